package io.georeg.replicator.verify;

import io.georeg.db.Database;
import io.georeg.db.notify.NotifyListener;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.storage.BlobStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic, rate-limited re-verification of the replica's stored content (issue 3, item 5): every
 * pass claims due blobs, then due manifests, in small batches ({@link VerifyClaims}), re-hashes
 * each ({@link ContentCheck}) and records the outcome; a missing or corrupt object is marked
 * {@code missing}/{@code failed} (readers stop serving a bad blob, so the router falls back to the
 * primary) and a re-copy is queued on the replicator's {@link WorkQueue} ({@link RepairRequests}).
 *
 * <p>Pacing: one token bucket for bytes and one for objects. A pass is a chain of short steps on
 * one scheduler thread; a step hashes what the budget allows and, when a bucket is empty, schedules
 * the next step for when it refills. Nothing sleeps, and no database connection is held between
 * steps (claims and results are short transactions of their own).
 *
 * <p>Started by the replicator's wiring ({@link #start()}: a pass now and one {@code interval}
 * after each pass ends); {@link #runPass()} runs one on demand ({@code georeg promote}, tests).
 * A blob registry-read found damaged while serving it is due at once: the reader's
 * {@code NOTIFY} on {@link DatabaseReplicaReader#VERIFY_DUE_CHANNEL} starts a pass (or another
 * one right after the running pass), which confirms the damage and queues the re-copy.
 * {@link #close()} stops it, releasing the claims of objects not verified yet.
 */
public final class Verifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private static final long SLICE = 64 * 1024;
    private static final int SLICES_PER_STEP = 16;

    private final VerifyConfig config;
    private final VerifyClaims claims;
    private final RepairRequests repairs;
    private final BlobStore blobs;
    private final VerifyObserver observer;
    private final TokenBucket bytes;
    private final TokenBucket objects;
    private final Database database;

    private ScheduledThreadPoolExecutor executor;
    private boolean periodic;
    /** Something became due while a pass ran: start the next pass when it ends, not after the interval. */
    private boolean dueAgain;

    private NotifyListener dueListener;
    private volatile boolean closed;
    private Pass pass;

    public Verifier(VerifyConfig config, Database database, BlobStore blobs, WorkQueue queue, VerifyObserver observer) {
        this(
                config,
                database,
                blobs,
                queue,
                observer,
                TokenBucket.perSecond(config.validate().bytesPerSecond()),
                TokenBucket.perSecond(config.objectsPerSecond()));
    }

    /** With given buckets (tests read their accounting or drive them with a fake clock). */
    public Verifier(
            VerifyConfig config,
            Database database,
            BlobStore blobs,
            WorkQueue queue,
            VerifyObserver observer,
            TokenBucket bytes,
            TokenBucket objects) {
        this.config = config.validate();
        this.claims = new VerifyClaims(database);
        this.repairs = new RepairRequests(database, queue);
        this.blobs = blobs;
        this.observer = observer;
        this.bytes = bytes;
        this.objects = objects;
        this.database = database;
    }

    /** Schedules passes (the first now) when {@code replicator.verify.enabled}; otherwise does nothing. */
    public synchronized void start() {
        if (!config.enabled()) {
            LOG.info("stored-content verification is disabled (replicator.verify.enabled=false)");
            return;
        }
        periodic = true;
        dueListener = new NotifyListener(
                database.config(),
                DatabaseReplicaReader.VERIFY_DUE_CHANNEL,
                "georeg-verify-due",
                Duration.ofSeconds(5),
                new DueSubscriber());
        dueListener.start();
        runPass();
    }

    /** Starts a pass for objects that just became due, or makes the running pass be followed by another. */
    private synchronized void verifyDueNow() {
        if (closed) {
            return;
        }
        if (pass != null) {
            dueAgain = true;
        } else {
            runPass();
        }
    }

    /** Starts a pass now, or returns the one running; completes when no object is due any more. */
    public synchronized CompletableFuture<PassSummary> runPass() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("verifier is closed"));
        }
        if (pass == null) {
            if (executor == null) {
                executor = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "georeg-verifier");
                    t.setDaemon(true);
                    return t;
                });
                executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                executor.setRemoveOnCancelPolicy(true);
            }
            pass = new Pass();
            executor.execute(pass::step);
        }
        return pass.done;
    }

    /** The byte budget, for metrics and for tests checking the limit. */
    public TokenBucket byteLimiter() {
        return bytes;
    }

    public TokenBucket objectLimiter() {
        return objects;
    }

    @Override
    public void close() {
        ScheduledThreadPoolExecutor running;
        NotifyListener listener;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = executor;
            listener = dueListener;
        }
        if (listener != null) {
            listener.close();
        }
        if (running == null) {
            return;
        }
        // Runs after the step in progress; pending delayed steps are dropped by shutdown().
        running.execute(this::abortPass);
        running.shutdown();
        try {
            if (!running.awaitTermination(30, TimeUnit.SECONDS)) {
                running.shutdownNow();
                LOG.warn("verifier did not stop within 30s; interrupted");
            }
        } catch (InterruptedException e) {
            running.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void abortPass() {
        Pass p;
        synchronized (this) {
            p = pass;
            pass = null;
        }
        if (p != null) {
            p.abort(new CancellationException("verifier closed"));
        }
    }

    private synchronized void passEnded(Pass ended) {
        if (pass == ended) {
            pass = null;
        }
        if (closed) {
            return;
        }
        if (dueAgain) {
            dueAgain = false;
            executor.execute(this::runPass);
        } else if (periodic) {
            executor.schedule(this::runPass, config.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void schedule(Runnable step, long delayNanos) {
        if (closed) {
            return; // abortPass cleans up
        }
        executor.schedule(step, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** Wakes the verifier when registry-read quarantines a blob (and on (re)connecting, for what it missed). */
    private final class DueSubscriber implements NotifyListener.Subscriber {
        @Override
        public void connected() {
            verifyDueNow();
        }

        @Override
        public void notified(String payload) {
            verifyDueNow();
        }

        @Override
        public void disconnected() {
            // The periodic passes still run; only the prompt start is lost until it reconnects.
        }
    }

    /** One pass: confined to the scheduler thread. */
    private final class Pass {
        final CompletableFuture<PassSummary> done = new CompletableFuture<>();
        private final Map<VerifyTarget, Map<VerifyOutcome, Long>> results = new EnumMap<>(VerifyTarget.class);
        private final Deque<Claimed> batch = new ArrayDeque<>();
        /**
         * Objects that could not be read (storage unavailable, a read error). Their claims are held
         * until the pass ends and only then given back: released at once, they would be due again
         * at once, and the pass would claim them again and again while storage is down, never ending
         * and re-reading (and logging) them as fast as the object budget allows.
         */
        private final List<Claimed> unreadable = new ArrayList<>();

        private VerifyTarget phase = VerifyTarget.BLOB;
        private ContentCheck current;
        private long hashed;
        private long repaired;

        void step() {
            if (closed || done.isDone()) {
                return;
            }
            try {
                long wait = advance();
                if (wait >= 0) {
                    schedule(this::step, wait);
                }
            } catch (RuntimeException e) {
                LOG.error("verification pass failed; the next one runs in {}", config.interval(), e);
                passEnded(this);
                abort(e);
            }
        }

        /** Does one step's work; returns the delay before the next step, or -1 when the pass is over. */
        private long advance() {
            if (current == null) {
                if (batch.isEmpty() && !claimBatch()) {
                    finish();
                    return -1;
                }
                long wait = objects.nanosUntil(1);
                if (wait > 0) {
                    return wait;
                }
                objects.consume(1);
                current = new ContentCheck(batch.poll(), blobs);
            }
            for (int i = 0; i < SLICES_PER_STEP && !current.finished(); i++) {
                long budget = Math.min(SLICE, bytes.available());
                if (budget == 0) {
                    return bytes.nanosUntil(Math.min(SLICE, bytes.capacity()));
                }
                long n = current.advance(budget);
                bytes.consume(n);
                hashed += n;
                observer.bytesVerified(n);
            }
            if (current.finished()) {
                ContentCheck check = current;
                current = null;
                conclude(check.claimed(), check.result());
            }
            return 0;
        }

        /** Claims the next batch of the current phase, moving from blobs to manifests; false when nothing is due. */
        private boolean claimBatch() {
            while (true) {
                List<Claimed> claimed = claims.claim(phase, config.batchSize(), config.reverifyAfter());
                if (!claimed.isEmpty()) {
                    batch.addAll(claimed);
                    return true;
                }
                if (phase == VerifyTarget.MANIFEST) {
                    return false;
                }
                phase = VerifyTarget.MANIFEST;
            }
        }

        private void conclude(Claimed claimed, ContentCheck.Result result) {
            VerifyOutcome outcome = result.outcome();
            if (outcome == VerifyOutcome.ERROR) {
                // One line per pass, not per object: while storage is down every object fails alike.
                if (unreadable.isEmpty()) {
                    LOG.warn("could not verify {}: {}; it is due again in the next pass", claimed, result.error());
                } else {
                    LOG.debug("could not verify {}: {}", claimed, result.error());
                }
                unreadable.add(claimed);
            } else if (!claims.record(claimed, result)) {
                LOG.debug("{} was stored again while it was verified; its result is dropped", claimed);
                return;
            }
            if (outcome.needsRepair()) {
                Optional<WorkRequest> request = repairs.request(claimed);
                LOG.warn(
                        "{} is {}: {}; {}",
                        claimed,
                        outcome.label(),
                        result.error(),
                        request.map(r -> "re-copy queued: " + r.operation().column() + " " + r.repository() + " "
                                        + r.ref())
                                .orElse("no repository holds it, nothing to re-copy"));
                observer.repairRequested(claimed.target(), claimed.digest(), request.isPresent());
                if (request.isPresent()) {
                    repaired++;
                }
            }
            results.computeIfAbsent(claimed.target(), t -> new EnumMap<>(VerifyOutcome.class))
                    .merge(outcome, 1L, Long::sum);
            observer.verified(claimed.target(), claimed.digest(), outcome);
        }

        private void finish() {
            releaseUnreadable();
            PassSummary summary = new PassSummary(copy(results), hashed, repaired);
            LOG.info(
                    "verification pass done: {} objects, {} bytes, {} re-copies queued, {} could not be read",
                    summary.total(),
                    hashed,
                    repaired,
                    unreadable.size());
            // Ended before completed: a caller that starts the next pass on completion must get a new one.
            passEnded(this);
            done.complete(summary);
        }

        /** Closes the open stream and gives back every claim not verified yet. */
        void abort(Throwable cause) {
            List<Claimed> unfinished = new ArrayList<>(batch);
            batch.clear();
            if (current != null) {
                unfinished.add(current.claimed());
                try {
                    current.close();
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
                current = null;
            }
            unfinished.addAll(unreadable);
            for (Claimed claimed : unfinished) {
                try {
                    claims.release(claimed);
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
            }
            done.completeExceptionally(cause);
        }

        /** Gives back the claims of the objects that could not be read: due again, for the next pass. */
        private void releaseUnreadable() {
            unreadable.forEach(claims::release);
        }

        private static Map<VerifyTarget, Map<VerifyOutcome, Long>> copy(
                Map<VerifyTarget, Map<VerifyOutcome, Long>> in) {
            Map<VerifyTarget, Map<VerifyOutcome, Long>> out = new EnumMap<>(VerifyTarget.class);
            in.forEach((target, byOutcome) -> out.put(target, Map.copyOf(byOutcome)));
            return Map.copyOf(out);
        }
    }
}
