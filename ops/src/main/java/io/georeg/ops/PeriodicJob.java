package io.georeg.ops;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A housekeeping job of a long-running process, run again and again in the background: on a
 * daemon thread of its own, {@code interval} after the previous run ended (runs never overlap).
 * A run that throws is logged, by the owner's logger, as "{@code <doing> failed; next run in
 * <interval>}" and the next run comes on schedule: one bad run never ends the job. Nothing starts
 * in the constructor; {@link #start} begins the runs and {@link #close} ends them, waiting up to
 * ten seconds for a run in progress. The owner keeps its one run as a method of its own, which
 * tests call directly.
 *
 * <p>Used by the replicator's retention jobs ({@code AbandonedWriteSweeper}, {@code QueuePruner}).
 */
public final class PeriodicJob implements AutoCloseable {
    private final String thread;
    private final Duration interval;
    private final Logger log;
    private final String doing;
    private final Runnable run;
    private ScheduledExecutorService executor;

    /**
     * @param thread   the name of the job's thread, as thread dumps show it ({@code georeg-…})
     * @param interval the pause between the end of one run and the start of the next
     * @param log      the owner's logger, so a failed run is logged where the owner logs
     * @param doing    what a run does, for the failure's log line ("pruning the replication queue")
     * @param run      one run
     */
    public PeriodicJob(String thread, Duration interval, Logger log, String doing, Runnable run) {
        this.thread = Objects.requireNonNull(thread, "thread");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.log = Objects.requireNonNull(log, "log");
        this.doing = Objects.requireNonNull(doing, "doing");
        this.run = Objects.requireNonNull(run, "run");
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

    private void runOnce() {
        try {
            run.run();
        } catch (RuntimeException e) {
            log.warn("{} failed; next run in {}", doing, interval, e);
        }
    }

    /** Ends the runs: interrupts a run in progress and waits up to ten seconds for it; idempotent. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
