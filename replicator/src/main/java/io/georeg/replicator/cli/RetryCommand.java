package io.georeg.replicator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.db.Database;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.queue.WorkQueue;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg retry}: puts replication work items that failed for good back into the queue
 * (attempts start over), for all repositories or one; {@code --list} shows the failures with
 * their reasons instead. The running replicators pick the items up at once (NOTIFY).
 *
 * <p>The app registers an instance with a way to open the configured, started {@link Database}
 * ({@code cli.addSubcommand(new RetryCommand(() -> ...))}); the command closes it.
 */
@Command(
        name = "retry",
        description = "Requeue replication work that failed (all, or one repository); --list shows failures.")
public final class RetryCommand implements Callable<Integer> {
    private final Supplier<Database> database;

    @Option(names = "--repository", paramLabel = "NAME", description = "Only this repository's failures.")
    String repository;

    @Option(names = "--list", description = "List the most recent failures with their reasons; requeue nothing.")
    boolean list;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object on stdout: {\"failures\": [...]} with --list, {\"requeued\": N} otherwise.")
    boolean json;

    @Option(
            names = "--limit",
            defaultValue = "50",
            description = "How many failures --list shows (default ${DEFAULT-VALUE}).")
    int limit;

    @Spec
    CommandSpec spec;

    public RetryCommand(Supplier<Database> database) {
        this.database = database;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Optional<RepositoryName> only = Optional.ofNullable(repository).map(RepositoryName::of);
        try (Database db = database.get()) {
            WorkQueue queue = new WorkQueue(db);
            if (list) {
                var failures = queue.failures(limit).stream()
                        .filter(f -> only.isEmpty()
                                || f.repository().equals(only.get().value()))
                        .toList();
                if (json) {
                    out.println(failuresJson(failures).toPrettyString());
                    out.flush();
                    return 0;
                }
                failures.forEach(f -> out.printf(
                        "%s  %s %s%s%s  attempts=%d  %s%n",
                        f.failedAt(),
                        f.operation().column(),
                        f.repository(),
                        f.kind() == io.georeg.replicator.queue.WorkKind.TAG ? ":" : "@",
                        f.ref(),
                        f.attempts(),
                        f.lastError()));
                out.println(failures.size() + " failed item(s) shown");
            } else {
                int requeued = queue.retryFailed(only);
                if (json) {
                    out.println(JsonNodeFactory.instance
                            .objectNode()
                            .put("requeued", requeued)
                            .toPrettyString());
                    out.flush();
                    return 0;
                }
                out.println("requeued " + requeued + " failed replication item(s)"
                        + only.map(r -> " of " + r).orElse(""));
            }
        }
        out.flush();
        return 0;
    }

    /** {@code retry --list --json}: the failures, newest first, one object each. */
    static ObjectNode failuresJson(List<WorkQueue.FailedItem> failures) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode items = root.putArray("failures");
        for (WorkQueue.FailedItem f : failures) {
            items.addObject()
                    .put("failedAt", f.failedAt().toString())
                    .put("operation", f.operation().column())
                    .put("repository", f.repository())
                    .put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .put("ref", f.ref())
                    .put("attempts", f.attempts())
                    .put("lastError", f.lastError());
        }
        return root;
    }
}
