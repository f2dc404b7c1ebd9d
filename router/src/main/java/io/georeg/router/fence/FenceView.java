package io.georeg.router.fence;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.notify.NotifyListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This process's copy of the live read-your-writes fences, so a read checks them in memory
 * instead of querying {@code router_fences}. Loaded right after {@code LISTEN
 * georeg_router_fences} (migration V6 notifies every change with its repository), each
 * notification reloads that repository's fences, and a fence this router writes is reloaded
 * before the write's 2xx reaches the client. Reloads are serialised so an older query result can
 * never replace a newer one.
 *
 * <p>The view says how far it is exact: {@link #covers} a generation (migration V11) once it has
 * applied that generation's notification, which comes after the notifications of every fence
 * recorded up to it. A fence written by another router instance commits before its notification
 * arrives here, so {@link ReadYourWrites} compares the database's generation with this before it
 * trusts the view, and asks the table when the view is behind or its LISTEN connection is down
 * (not {@link #live()}). Built and started by {@link io.georeg.router.Router} when it knows the
 * database's connection settings.
 */
public final class FenceView implements NotifyListener.Subscriber, AutoCloseable {
    static final String CHANNEL = "georeg_router_fences";
    /**
     * The {@code application_name} of the LISTEN connection. The release before this one named it
     * {@link #PREVIOUS_APPLICATION_NAME}; a router of this release that finds a connection of that
     * name does not trust its lease ({@link FenceLease}): that router records fences without
     * waiting for acks.
     */
    static final String APPLICATION_NAME = "georeg-router-fence-view";

    static final String PREVIOUS_APPLICATION_NAME = "georeg-router-fences";

    private final FenceStore store;
    private final NotifyListener listener;
    private final Map<String, List<Fence>> byRepository = new ConcurrentHashMap<>();
    private final ReentrantLock reloads = new ReentrantLock();
    /** The latest generation whose fences are all in the view (every earlier one's are too). */
    private final AtomicLong applied = new AtomicLong(-1);

    private volatile boolean live;
    /**
     * Counts connections and disconnections: a lease granted while it had one value is worth
     * nothing once it has another ({@link FenceLease}), since the view may have missed
     * notifications in between.
     */
    private final AtomicLong epoch = new AtomicLong();
    /** Told when the view connects, disconnects or applies a generation; set before {@link #start}. */
    private volatile Runnable watcher = () -> {};

    public FenceView(FenceStore store, DatabaseConfig database, Duration reconnectDelay) {
        this.store = store;
        this.listener = new NotifyListener(database, CHANNEL, APPLICATION_NAME, reconnectDelay, this);
    }

    /** {@code changed} runs on the listener's thread after each connect, disconnect and generation applied. */
    void watch(Runnable changed) {
        this.watcher = changed;
    }

    /** The latest generation whose fences are all in the view; -1 before the first load. */
    public long applied() {
        return applied.get();
    }

    /** Changes on every connect and disconnect; compared by {@link FenceLease} (see {@link #epoch}). */
    long epoch() {
        return epoch.get();
    }

    public FenceView start() {
        listener.start();
        return this;
    }

    /** True while the view is exact; false means: ask the table. */
    public boolean live() {
        return live;
    }

    /** The live fences of a repository (none when it has none). */
    public List<Fence> fencesOf(String repository) {
        List<Fence> fences = byRepository.get(repository);
        return fences == null ? List.of() : unexpired(fences);
    }

    /** Every live fence, for the catalog's check. */
    public List<Fence> all() {
        List<Fence> all = new ArrayList<>();
        byRepository.values().forEach(fences -> all.addAll(unexpired(fences)));
        return all;
    }

    /** Whether any fence is live at all (the catalog is pinned by none otherwise). */
    public boolean isEmpty() {
        return byRepository.isEmpty();
    }

    /** The live fence that pins a manifest read of {@code reference} (tag or digest) in {@code repository}. */
    public Optional<Fence> find(String repository, String reference) {
        FencedRead read = FencedRead.manifest(repository, reference);
        return fencesOf(repository).stream().filter(read::isPinnedBy).findFirst();
    }

    /** Re-reads one repository's fences after this router changed them. */
    public void reload(String repository) {
        reloads.lock();
        try {
            install(repository, store.liveOf(repository));
        } finally {
            reloads.unlock();
        }
    }

    /** True when the view is live and holds every fence recorded up to {@code generation}. */
    public boolean covers(long generation) {
        return live && applied.get() >= generation;
    }

    @Override
    public void connected() {
        reloads.lock();
        try {
            byRepository.clear();
            // Read before the load: the load sees at least every fence recorded up to it.
            applied.set(store.generation());
            Map<String, List<Fence>> all = new HashMap<>();
            for (Fence f : store.allLive()) {
                all.computeIfAbsent(f.repository(), r -> new ArrayList<>()).add(f);
            }
            all.forEach(this::install);
            live = true;
            epoch.incrementAndGet();
        } finally {
            reloads.unlock();
        }
        watcher.run();
    }

    /** A failed reload throws, which makes the listener reconnect and load everything again. */
    @Override
    public void notified(String payload) {
        if (payload.startsWith(FenceStore.GENERATION_PAYLOAD)) {
            long generation = Long.parseLong(payload.substring(FenceStore.GENERATION_PAYLOAD.length()));
            applied.accumulateAndGet(generation, Math::max);
            watcher.run();
        } else {
            reload(payload);
        }
    }

    @Override
    public void disconnected() {
        live = false;
        epoch.incrementAndGet();
        watcher.run();
    }

    private void install(String repository, List<Fence> fences) {
        if (fences.isEmpty()) {
            byRepository.remove(repository);
        } else {
            // Latest first, so the fence a reader finds is the latest write.
            byRepository.put(
                    repository,
                    fences.stream()
                            .sorted(Comparator.comparing(Fence::createdAt).reversed())
                            .toList());
        }
    }

    private static List<Fence> unexpired(List<Fence> fences) {
        Instant now = Instant.now();
        return fences.stream().filter(f -> f.expiresAt().isAfter(now)).toList();
    }

    @Override
    public void close() {
        listener.close();
    }
}
