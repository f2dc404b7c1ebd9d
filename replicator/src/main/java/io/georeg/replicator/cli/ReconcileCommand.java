package io.georeg.replicator.cli;

import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg reconcile}: crawls the primary's catalog and tags (or the named repositories),
 * queues what the replica lacks or has too much, with a progress bar and a summary. The running
 * replicators apply the queued work; {@code --wait} runs workers in this process too and returns
 * when the queue has drained (for sites without a running replicator, and for drills).
 *
 * <p>Exit code 0 when the pass had no errors (and, with {@code --wait}, nothing failed), 1 otherwise.
 * The app registers an instance: {@code cli.addSubcommand(new ReconcileCommand(() -> session))}.
 */
@Command(name = "reconcile", description = "Crawl the primary's catalog and tags and queue what the replica is missing.")
public final class ReconcileCommand implements Callable<Integer> {
    private final Supplier<ReplicatorSession> sessions;

    @Option(names = "--repository", paramLabel = "NAME", description = "Only these repositories (repeatable).")
    List<String> repositories;

    @Option(names = "--wait", description = "Apply the queued work in this process and wait until the queue is drained.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Longest --wait, e.g. 90s, 30m or PT30M (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    public ReconcileCommand(Supplier<ReplicatorSession> sessions) {
        this.sessions = sessions;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ReplicatorSession session = sessions.get()) {
            Replicator replicator = session.replicator();
            ProgressBar progress = new ProgressBar(err);
            ReconcileSummary summary;
            if (repositories == null || repositories.isEmpty()) {
                List<RepositoryName> preheat = replicator.config().sync().preheatEntries().stream()
                        .map(SyncConfig.PreheatEntry::repository).toList();
                summary = replicator.reconciler().reconcileAll(preheat, progress);
            } else {
                summary = replicator.reconciler().reconcile(repositories.stream().map(RepositoryName::of).toList(), progress);
            }
            out.println("reconcile: " + summary);
            summary.errors().forEach(e -> out.println("  error: " + e));
            boolean ok = summary.errors().isEmpty();
            if (await) {
                ok &= drain(replicator, out);
            }
            out.flush();
            return ok ? 0 : 1;
        }
    }

    /** Runs this process's workers until nothing is pending or in progress; true when nothing failed. */
    static boolean drain(Replicator replicator, PrintWriter out, Duration timeout) {
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

    private boolean drain(Replicator replicator, PrintWriter out) {
        return drain(replicator, out, timeout);
    }
}
