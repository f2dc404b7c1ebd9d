package io.georeg.replicator.cli;

import io.georeg.replicator.Replicator;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Option;

/**
 * {@code --wait} and {@code --timeout} of the commands that queue work ({@code georeg reconcile},
 * {@code georeg preheat}): apply the queued work in this process, with its own workers, and return
 * when the queue has drained or the timeout passed. For sites without a running replicator, and
 * for drills. A picocli mixin, so both commands spell, document and honour it the same way.
 */
public final class QueueWait {
    @Option(
            names = "--wait",
            description = "Apply the queued work in this process and wait until the queue is drained.")
    boolean await;

    @Option(
            names = "--timeout",
            defaultValue = "PT30M",
            description = "Longest --wait, e.g. 90s, 30m or PT30M (default ${DEFAULT-VALUE}).")
    Duration timeout;

    /**
     * Runs this process's workers until nothing is pending or in progress, at most {@code --timeout},
     * saying on {@code out} how it ended; true when the queue drained and nothing failed meanwhile.
     */
    boolean drain(Replicator replicator, PrintWriter out) {
        WorkQueue queue = replicator.queue();
        long failedBefore = queue.depth().byState().get(WorkState.FAILED);
        replicator.start();
        Instant deadline = Instant.now().plus(timeout);
        WorkQueue.Depth depth = queue.depth();
        while (depth.byState().get(WorkState.PENDING) + depth.byState().get(WorkState.IN_PROGRESS) > 0) {
            if (Instant.now().isAfter(deadline)) {
                out.println("queue not drained within " + timeout + ": " + depth.byState());
                return false;
            }
            // The CLI only watches the table here; the workers do the copying.
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            depth = queue.depth();
        }
        long failed = depth.byState().get(WorkState.FAILED) - failedBefore;
        out.println("queue drained: " + depth.byState().get(WorkState.DONE) + " done, " + failed + " newly failed"
                + (failed > 0 ? " (see georeg retry --list)" : ""));
        return failed == 0;
    }
}
