package io.georeg.router.fence;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.notify.NotifyListener;
import io.georeg.oci.Digest;
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
 * This process's copy of the live read-your-writes fences, so a manifest read checks them in
 * memory instead of querying {@code router_fences}. Exact while it is {@link #live()}: loaded
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
    private final Map<String, RepositoryFences> byRepository = new ConcurrentHashMap<>();
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

    /** The live fence pinning a read of {@code reference} (tag or digest) in {@code repository}. */
    public Optional<Fence> find(String repository, String reference) {
        RepositoryFences fences = byRepository.get(repository);
        if (fences == null) {
            return Optional.empty();
        }
        Instant now = Instant.now();
        if (!Digest.looksLikeDigest(reference)) {
            Fence f = fences.byTag().get(reference);
            return f != null && f.expiresAt().isAfter(now) ? Optional.of(f) : Optional.empty();
        }
        for (Fence f : fences.byDigest().getOrDefault(reference, List.of())) {
            if (f.expiresAt().isAfter(now)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
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
            return;
        }
        Map<String, Fence> byTag = new HashMap<>();
        Map<String, List<Fence>> byDigest = new HashMap<>();
        for (Fence f : fences) {
            if (f.tag() != null) {
                byTag.put(f.tag(), f);
            }
            byDigest.computeIfAbsent(f.digest(), d -> new ArrayList<>()).add(f);
        }
        // Latest first, as the table's query orders them.
        byDigest.values().forEach(l -> l.sort(Comparator.comparing(Fence::createdAt).reversed()));
        byRepository.put(repository, new RepositoryFences(Map.copyOf(byTag), Map.copyOf(byDigest)));
    }

    @Override
    public void close() {
        listener.close();
    }

    private record RepositoryFences(Map<String, Fence> byTag, Map<String, List<Fence>> byDigest) {
    }
}
