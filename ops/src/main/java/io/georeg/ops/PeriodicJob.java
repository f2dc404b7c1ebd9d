package io.georeg.ops;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A housekeeping job of a long-running process, run again and again in the background: on a
 * daemon thread of its own, {@code interval} after the previous run ended (runs never overlap).
 * A run that throws is logged, by the owner's logger, with the owner's {@code failure} line, and
 * the next run comes on schedule: one bad run never ends the job. Nothing starts in the
 * constructor; {@link #start} begins the runs and {@link #close} ends them, waiting up to ten
 * seconds (or {@link #stopWithin}'s wait) for a run in progress. The owner keeps its one run as a
 * method of its own, which tests call directly.
 *
 * <p>Used by the replicator's retention jobs ({@code AbandonedWriteSweeper}, {@code QueuePruner})
 * and {@code ReconcileSchedule}, the router's {@code GrantsMaintenance}, {@code ShieldReporter},
 * {@code UpstreamHealthCheck} and admin poll ({@code SiteControl}), and {@link BackendWatch}.
 */
public final class PeriodicJob implements AutoCloseable {
    private static final Duration DEFAULT_CLOSE_WAIT = Duration.ofSeconds(10);

    private final String thread;
    private final Duration interval;
    private final Logger log;
    private final String failure;
    private final Runnable run;
    private Duration closeWait = DEFAULT_CLOSE_WAIT;
    private Supplier<String> stillRunning;
    private ScheduledExecutorService executor;

    /**
     * @param thread   the name of the job's thread, as thread dumps show it ({@code georeg-…})
     * @param interval the pause between the end of one run and the start of the next
     * @param log      the owner's logger, so a failed run is logged where the owner logs
     * @param failure  the warning a failed run logs (with the exception), {@code {}} standing for
     *                 the interval: "pruning the replication queue failed; next run in {}"
     * @param run      one run
     */
    public PeriodicJob(String thread, Duration interval, Logger log, String failure, Runnable run) {
        this.thread = Objects.requireNonNull(thread, "thread");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.log = Objects.requireNonNull(log, "log");
        this.failure = Objects.requireNonNull(failure, "failure");
        this.run = Objects.requireNonNull(run, "run");
    }

    /**
     * Makes {@link #close} wait up to {@code wait} for a run in progress (instead of ten seconds)
     * and log {@code stillRunning} as a warning when the run outlives it: for a job whose run may
     * outlast its interruption (a database or HTTP call), so that a shutdown says what it left
     * running. Call before {@link #start}.
     */
    public synchronized PeriodicJob stopWithin(Duration wait, Supplier<String> stillRunning) {
        this.closeWait = Objects.requireNonNull(wait, "wait");
        this.stillRunning = Objects.requireNonNull(stillRunning, "stillRunning");
        return this;
    }

    /** Starts the runs, the first {@code firstRunIn} from now (zero: at once); a second start does nothing. */
    public synchronized void start(Duration firstRunIn) {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name(thread).daemon(true).unstarted(r));
        executor.scheduleWithFixedDelay(
                this::runOnce, firstRunIn.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs once now on the caller's thread (its exception is the caller's, and the job does not
     * start), then every interval from now on the job's thread: for an owner whose state must be
     * known before its start returns. Does nothing once started.
     */
    public synchronized void runNowThenStart() {
        if (executor != null) {
            return;
        }
        run.run();
        start(interval);
    }

    private void runOnce() {
        try {
            run.run();
        } catch (RuntimeException e) {
            log.warn(failure, interval, e);
        }
    }

    /** Ends the runs: interrupts a run in progress and waits for it (ten seconds, or {@link #stopWithin}'s); idempotent. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                if (!executor.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS) && stillRunning != null) {
                    log.warn(stillRunning.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
