package io.georeg.replicator.queue;

import io.georeg.db.Database;
import io.georeg.db.notify.NotifyListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The worker pool of one replicator process: one scheduler thread claims due items from the
 * {@link WorkQueue} (as many as there are free worker slots), hands each to a worker thread
 * running the {@link WorkHandler} with the item in its logging context (MDC {@value #MDC_WORK_ITEM}
 * and {@value #MDC_REPOSITORY}), renews the leases of running items, and records each outcome
 * (done, rescheduled with {@link Backoff}, failed). It sleeps only on its {@link WakeSignal},
 * which a NOTIFY on {@link WorkQueue#WAKE_CHANNEL} (from an intake, a reconcile, {@code georeg
 * retry}; {@link #wakeListener}), a freed slot, or the poll interval ends.
 * Workers never sleep: a retry is a row with a later {@code next_attempt_at}.
 *
 * <p>Started and stopped by the replicator's wiring; {@link #close()} stops claiming, lets
 * running items finish for the configured grace, then interrupts them (their leases run out and
 * another process, or this one after restart, takes them over).
 */
public final class WorkScheduler implements AutoCloseable {
    /** The MDC keys of the item a worker thread runs: its id ({@code #42}) and its repository. */
    public static final String MDC_WORK_ITEM = "workItem";

    public static final String MDC_REPOSITORY = "repository";
    private static final Logger LOG = LoggerFactory.getLogger(WorkScheduler.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /**
     * A running item older than this is reported once, with its worker's stack: its lease is
     * renewed while it runs, so a copy that hangs (a primary's body that stalls) would otherwise
     * hold the item for ever without a word.
     */
    static final Duration LONG_RUNNING = Duration.ofSeconds(60);

    private final WorkQueue queue;
    private final WorkHandler handler;
    private final WorkerConfig config;
    private final WorkObserver observer;
    private final String owner;
    /** The fingerprint of this process's primary binding, which every claim requires of the database. */
    private final String binding;

    private final Backoff backoff;
    private final WakeSignal wake = new WakeSignal();
    private final NotifyListener listener;
    private final Semaphore slots;
    /** The items claimed and not finished: their leases are renewed, and those that hang are reported. */
    private final Map<Long, Claimed> running = new ConcurrentHashMap<>();

    private final int instance = INSTANCES.incrementAndGet();
    private volatile boolean active;
    private ExecutorService workers;
    private Thread scheduler;

    public WorkScheduler(
            Database database,
            WorkQueue queue,
            WorkHandler handler,
            WorkerConfig config,
            WorkObserver observer,
            String owner,
            String binding) {
        this.queue = queue;
        this.binding = binding;
        this.handler = handler;
        this.config = config.validate();
        this.observer = observer;
        this.owner = owner;
        this.backoff = new Backoff(config.backoffInitial(), config.backoffMax());
        this.listener = wakeListener(database, wake);
        this.slots = new Semaphore(config.concurrency());
    }

    /**
     * The LISTEN that wakes the scheduler when any replicator queues work, so an event is picked
     * up within milliseconds instead of at the next poll; also on every (re)connection, for what
     * was queued while nobody listened. Polling stays the safety net while it is down. Its own
     * connection outside the pool: a pooled one would hold a slot the workers need for good.
     */
    private static NotifyListener wakeListener(Database database, WakeSignal wake) {
        return new NotifyListener(
                database.config(),
                WorkQueue.WAKE_CHANNEL,
                "georeg-replicator-wake",
                Duration.ofSeconds(1),
                new NotifyListener.Subscriber() {
                    @Override
                    public void connected() {
                        wake.signal();
                    }

                    @Override
                    public void notified(String payload) {
                        wake.signal();
                    }

                    @Override
                    public void disconnected() {
                        // the poll interval keeps the scheduler going until the listener is back
                    }
                });
    }

    public String owner() {
        return owner;
    }

    /** Wakes the scheduler now (e.g. the intake of this process just queued work). */
    public void wake() {
        wake.signal();
    }

    public synchronized void start() {
        if (active) {
            return;
        }
        active = true;
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(
                config.concurrency(),
                r -> Thread.ofPlatform()
                        .name("georeg-replicator-" + instance + "-worker-" + n.incrementAndGet())
                        .unstarted(r));
        listener.start();
        scheduler = Thread.ofPlatform()
                .name("georeg-replicator-" + instance + "-scheduler")
                .start(this::loop);
    }

    private void loop() {
        Instant nextRenewal = Instant.now().plus(config.lease().dividedBy(3));
        while (active) {
            int free = slots.availablePermits();
            int claimedCount = 0;
            if (free > 0) {
                try {
                    List<WorkItem> claimed = queue.claim(owner, free, config.lease(), binding);
                    claimedCount = claimed.size();
                    for (WorkItem item : claimed) {
                        slots.acquireUninterruptibly();
                        running.put(item.id(), new Claimed(item));
                        workers.execute(() -> run(item));
                    }
                } catch (RuntimeException e) {
                    LOG.warn(
                            "claiming replication work failed, trying again in {}: {}",
                            config.pollInterval(),
                            e.toString());
                }
            }
            reportLongRunning();
            if (!Instant.now().isBefore(nextRenewal)) {
                renewLeases();
                nextRenewal = Instant.now().plus(config.lease().dividedBy(3));
            }
            if (claimedCount > 0 && claimedCount == free && slots.availablePermits() > 0) {
                continue; // a full batch: there may be more due right away
            }
            Duration due = nextDue(free);
            if (free > 0 && claimedCount == 0 && !due.isPositive()) {
                // Items are due, yet the claim took none: another process's claim holds them, or the
                // database is bound to other primaries (the claim's own condition). Asking again at
                // once would spin on the database for as long as that lasts; a NOTIFY, a freed slot
                // or the poll interval wakes the next claim.
                due = config.pollInterval();
            }
            try {
                wake.await(min(min(Duration.between(Instant.now(), nextRenewal), config.pollInterval()), due));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** When a rescheduled item comes due before the poll interval ends, wake up for it (retries stay prompt). */
    private Duration nextDue(int freeSlots) {
        if (freeSlots == 0) {
            return config.pollInterval();
        }
        try {
            return queue.nextDueIn().orElse(config.pollInterval());
        } catch (RuntimeException e) {
            return config.pollInterval();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private void renewLeases() {
        if (running.isEmpty()) {
            return;
        }
        try {
            queue.renewLeases(owner, running.keySet(), config.lease());
        } catch (RuntimeException e) {
            LOG.warn("renewing leases of {} running items failed: {}", running.size(), e.toString());
        }
    }

    private void reportLongRunning() {
        Instant now = Instant.now();
        for (Claimed c : running.values()) {
            Running r = c.running;
            if (r != null
                    && Duration.between(r.started(), now).compareTo(LONG_RUNNING) > 0
                    && c.reported.compareAndSet(false, true)) {
                StringBuilder stack = new StringBuilder();
                for (StackTraceElement frame : r.worker().getStackTrace()) {
                    stack.append("\n\tat ").append(frame);
                }
                LOG.warn(
                        "{}: still running after {} (its lease is renewed while it runs); its worker is at:{}",
                        c.item,
                        LONG_RUNNING,
                        stack);
            }
        }
    }

    /** A claimed item; a worker sets {@link #running} when it starts it. */
    private static final class Claimed {
        final WorkItem item;
        final AtomicBoolean reported = new AtomicBoolean();
        volatile Running running;

        Claimed(WorkItem item) {
            this.item = item;
        }

        @Override
        public String toString() {
            return item.toString();
        }
    }

    private record Running(Thread worker, Instant started) {}

    private void run(WorkItem item) {
        MDC.put(MDC_WORK_ITEM, "#" + item.id());
        MDC.put(MDC_REPOSITORY, item.repository().value());
        Claimed claimed = running.get(item.id());
        if (claimed != null) {
            claimed.running = new Running(Thread.currentThread(), Instant.now());
        }
        try {
            handler.handle(item);
            Optional<WorkQueue.Completion> done = queue.complete(item, owner);
            if (done.isEmpty()) {
                // Another worker may have applied this item meanwhile, and our writes landed after
                // its: run the item once more, so that the last writes come from a fresh run.
                queue.requeue(item);
                LOG.warn("{}: lease lost before completion; queued to run again", item);
            } else if (done.get().state() == WorkState.DONE) {
                observer.applied(
                        item, Duration.between(item.firstEventAt(), done.get().appliedAt()));
                LOG.debug("{}: applied", item);
            }
        } catch (WorkDeferredException e) {
            defer(item, e);
        } catch (WorkFailedException e) {
            recordFailure(
                    item,
                    e.reason(),
                    e.getMessage(),
                    e.permanent(),
                    e.limitedAttempts() ? config.maxAttempts() : Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            recordFailure(item, FailureReason.INTERRUPTED, "interrupted by shutdown", false, config.maxAttempts());
        } catch (Exception e) {
            recordFailure(item, FailureReason.UNEXPECTED, String.valueOf(e), false, config.maxAttempts());
        } finally {
            MDC.remove(MDC_WORK_ITEM);
            MDC.remove(MDC_REPOSITORY);
            running.remove(item.id());
            slots.release();
            wake.signal();
        }
    }

    private void defer(WorkItem item, WorkDeferredException e) {
        try {
            if (queue.defer(item, owner, e.getMessage(), e.delay())) {
                LOG.debug("{}: deferred {}: {}", item, e.delay(), e.getMessage());
            }
        } catch (RuntimeException failure) {
            LOG.warn("{}: deferring failed; the item is retried when its lease runs out", item, failure);
        }
    }

    private void recordFailure(
            WorkItem item, FailureReason reason, String message, boolean permanent, int maxAttempts) {
        try {
            Duration retryAfter = backoff.delay(item.attempts(), ThreadLocalRandom.current());
            Optional<WorkState> state = queue.fail(item, owner, message, permanent, maxAttempts, retryAfter);
            state.ifPresent(s -> observer.attemptFailed(item, reason, s));
            if (state.orElse(null) == WorkState.FAILED) {
                LOG.warn("{}: failed after {} attempts: {}", item, item.attempts(), message);
            } else {
                LOG.info("{}: attempt {} failed, retrying in {}: {}", item, item.attempts(), retryAfter, message);
            }
        } catch (RuntimeException e) {
            // The lease will run out and the item be retried; nothing is lost, but say so.
            e.addSuppressed(new RuntimeException(message));
            LOG.warn("{}: recording the failure failed; the item is retried when its lease runs out", item, e);
        }
    }

    @Override
    public synchronized void close() {
        if (!active) {
            return;
        }
        active = false;
        wake.signal();
        listener.close();
        try {
            scheduler.join(Duration.ofSeconds(10));
            workers.shutdown();
            if (!workers.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
                if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("replication workers still running after shutdown: {}", running.values());
                }
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
