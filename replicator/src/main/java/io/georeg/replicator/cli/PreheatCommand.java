package io.georeg.replicator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code georeg preheat <repo>[:tag]…}: replicates the named repositories (every tag) or tags now,
 * whatever the selective-sync patterns say, e.g. before a rollout pulls them at the secondary.
 * {@code --wait} applies the work in this process and returns when it is done. The app registers
 * an instance: {@code cli.addSubcommand(new PreheatCommand(() -> session))}.
 */
@Command(name = "preheat", description = "Replicate the named repositories or repository:tag references now.")
public final class PreheatCommand implements Callable<Integer> {
    private final Supplier<ReplicatorSession> sessions;

    @Parameters(arity = "1..*", paramLabel = "REPO[:TAG]", description = "Repositories or repository:tag references.")
    List<String> references;

    @Mixin
    QueueWait waiting;

    @Option(
            names = "--json",
            description = "Print one JSON object on stdout: each tag and whether it was queued, the "
                    + "repositories' pass as reconcile --json prints it, and with --wait whether the queue drained.")
    boolean json;

    @Spec
    CommandSpec spec;

    public PreheatCommand(Supplier<ReplicatorSession> sessions) {
        this.sessions = sessions;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // With --json the text lines go to stderr and stdout carries the one object.
        PrintWriter text = json ? spec.commandLine().getErr() : out;
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode tags = root.putArray("tags");
        List<SyncConfig.PreheatEntry> entries = new ArrayList<>();
        for (String reference : references) {
            entries.add(SyncConfig.PreheatEntry.parse(reference)
                    .orElseThrow(() -> new picocli.CommandLine.ParameterException(
                            spec.commandLine(), "'" + reference + "' is not <repository> or <repository>:<tag>")));
        }
        try (ReplicatorSession session = sessions.get()) {
            Replicator replicator = session.replicator();
            boolean ok = true;
            List<RepositoryName> whole = new ArrayList<>();
            for (SyncConfig.PreheatEntry entry : entries) {
                if (entry.tag().isEmpty()) {
                    whole.add(entry.repository());
                } else {
                    String reference =
                            entry.repository() + ":" + entry.tag().get().value();
                    boolean queued = replicator
                            .reconciler()
                            .reconcileTag(entry.repository(), entry.tag().get());
                    tags.addObject().put("reference", reference).put("queued", queued);
                    text.println((queued ? "queued " : "not on the primary: ") + reference);
                    ok &= queued;
                }
            }
            if (!whole.isEmpty()) {
                ReconcileSummary summary = replicator
                        .reconciler()
                        .reconcile(whole, new ProgressBar(spec.commandLine().getErr()));
                text.println("preheat: " + summary);
                root.set("repositories", ReconcileCommand.json(summary, Optional.empty()));
                ok &= summary.errors().isEmpty();
            } else {
                root.putNull("repositories");
            }
            if (waiting.await) {
                boolean drained = waiting.drain(replicator, text);
                root.put("drained", drained);
                ok &= drained;
            } else {
                root.putNull("drained");
            }
            if (json) {
                out.println(root.toPrettyString());
            }
            text.flush();
            out.flush();
            return ok ? 0 : 1;
        }
    }
}
