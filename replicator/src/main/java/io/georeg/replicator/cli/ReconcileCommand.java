package io.georeg.replicator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
@Command(
        name = "reconcile",
        description = "Crawl the primary's catalog and tags and queue what the replica is missing.")
public final class ReconcileCommand implements Callable<Integer> {
    private final Supplier<ReplicatorSession> sessions;

    @Option(names = "--repository", paramLabel = "NAME", description = "Only these repositories (repeatable).")
    List<String> repositories;

    @Mixin
    QueueWait waiting;

    @Option(
            names = "--json",
            description = "Print the pass's summary as one JSON object on stdout (--wait's progress goes to stderr).")
    boolean json;

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
                        .map(SyncConfig.PreheatEntry::repository)
                        .toList();
                summary = replicator.reconciler().reconcileAll(preheat, progress);
            } else {
                summary = replicator
                        .reconciler()
                        .reconcile(repositories.stream().map(RepositoryName::of).toList(), progress);
            }
            boolean ok = summary.errors().isEmpty();
            if (json) {
                boolean drained = !waiting.await || waiting.drain(replicator, err);
                out.println(json(summary, waiting.await ? Optional.of(drained) : Optional.empty())
                        .toPrettyString());
                out.flush();
                return ok && drained ? 0 : 1;
            }
            out.println("reconcile: " + summary);
            summary.errors().forEach(e -> out.println("  error: " + e));
            if (waiting.await) {
                ok &= waiting.drain(replicator, out);
            }
            out.flush();
            return ok ? 0 : 1;
        }
    }

    /**
     * {@code reconcile --json}: the summary's counts, one line per repository that could not be
     * crawled, and with {@code --wait} whether the queue drained without new failures.
     */
    static ObjectNode json(ReconcileSummary summary, Optional<Boolean> drained) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("repositories", summary.repositories());
        root.put("tagsChecked", summary.tagsChecked());
        root.put("tagPushesQueued", summary.tagPushesQueued());
        root.put("tagDeletesQueued", summary.tagDeletesQueued());
        root.put("referrersQueued", summary.referrersQueued());
        ArrayNode errors = root.putArray("errors");
        summary.errors().forEach(errors::add);
        root.put("tookMillis", summary.took().toMillis());
        if (drained.isPresent()) {
            root.put("drained", drained.get());
        } else {
            root.putNull("drained");
        }
        return root;
    }
}
