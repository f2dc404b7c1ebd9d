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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This process's copy of the live read-your-writes fences, so a read checks them in memory
 * instead of querying {@code router_fences}. Exact while it is {@link #live()}: loaded
 * right after {@code LISTEN georeg_router_fences} (migration V6 notifies every change with its
 * repository), each notification reloads that repository's fences, and a fence this router
 * writes is reloaded before the push's 2xx reaches the client. While the LISTEN connection is
 * down it is not live and {@link ReadYourWrites} queries the table as before. Reloads are
 * serialised so an older query result can never replace a newer one.
 *
 * <p>A fence written by another router instance is seen here once its notification arrived
 * (normally well under a millisecond after its commit); the writing router waits for its own
 * listener to receive the notification before it releases the 2xx ({@link #awaitNotified}),
 * which bounds that window by the difference between two listeners' delivery. Built and started
 * by {@link io.georeg.router.Router} when it knows the database's connection settings.
 */
public final class FenceView implements NotifyListener.Subscriber, AutoCloseable {
    static final String CHANNEL = "georeg_router_fences";
    static final String APPLICATION_NAME = "georeg-router-fences";

    private final FenceStore store;
    private final NotifyListener listener;
    private final Map<String, List<Fence>> byRepository = new ConcurrentHashMap<>();
    private final ReentrantLock reloads = new ReentrantLock();
    private final ReentrantLock notices = new ReentrantLock();
    private final Condition noticed = notices.newCondition();
    private long notifications;
    private volatile boolean live;

    public FenceView(FenceStore store, DatabaseConfig database, Duration reconnectDelay) {
        this.store = store;
        this.listener = new NotifyListener(database, CHANNEL, APPLICATION_NAME, reconnectDelay, this);
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

    /** How many notifications this view has applied; pass it to {@link #awaitNotified}. */
    public long notificationMark() {
        notices.lock();
        try {
            return notifications;
        } finally {
            notices.unlock();
        }
    }

    /**
     * Waits (at most {@code timeout}) until a notification after {@code mark} was applied, i.e.
     * the commit made after taking the mark has reached the listeners. False on time-out or while
     * not live.
     */
    public boolean awaitNotified(long mark, Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        notices.lock();
        try {
            while (live && notifications <= mark && left > 0) {
                left = noticed.awaitNanos(left);
            }
            return live && notifications > mark;
        } finally {
            notices.unlock();
        }
    }

    @Override
    public void connected() {
        reloads.lock();
        try {
            byRepository.clear();
            Map<String, List<Fence>> all = new HashMap<>();
            for (Fence f : store.allLive()) {
                all.computeIfAbsent(f.repository(), r -> new ArrayList<>()).add(f);
            }
            all.forEach(this::install);
            live = true;
        } finally {
            reloads.unlock();
        }
    }

    /** A failed reload throws, which makes the listener reconnect and load everything again. */
    @Override
    public void notified(String repository) {
        reload(repository);
        notices.lock();
        try {
            notifications++;
            noticed.signalAll();
        } finally {
            notices.unlock();
        }
    }

    @Override
    public void disconnected() {
        live = false;
        notices.lock();
        try {
            noticed.signalAll();
        } finally {
            notices.unlock();
        }
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
