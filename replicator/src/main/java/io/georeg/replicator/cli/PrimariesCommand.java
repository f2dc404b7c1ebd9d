package io.georeg.replicator.cli;

import io.georeg.db.Database;
import io.georeg.ops.ProcessName;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.binding.PrimaryBinding;
import io.georeg.replicator.binding.PrimaryBindingStore;
import io.georeg.replicator.binding.StoredPrimary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg primaries}: which primaries the tracking database replicates (its binding,
 * {@code replica_primaries}) beside this configuration's, with exit code {@value #DIFFERENT}
 * when they differ (a replicator of this configuration would be refused there); {@code --adopt}
 * rebinds the database to this configuration in one transaction, for a primary that really moved
 * (a new hostname, a cell added or removed). Running replicators of the old configuration then
 * stop claiming at once and turn unready within {@code PrimaryBindingGuard.INTERVAL}.
 *
 * <p>The app registers an instance with a way to open the configured, started {@link Database}
 * and the configured primaries ({@code cli.addSubcommand(new PrimariesCommand(...))}); the
 * command closes the database.
 */
@Command(
        name = "primaries",
        description = "Show which primaries the tracking database replicates beside this configuration's (exit "
                + PrimariesCommand.DIFFERENT + " when they differ); --adopt rebinds it to this configuration.")
public final class PrimariesCommand implements Callable<Integer> {
    /** The exit code when the database is bound to other primaries than configured (or to none yet). */
    public static final int DIFFERENT = 3;

    private final Supplier<Database> database;
    private final Supplier<List<PrimarySource>> sources;

    @Option(
            names = "--adopt",
            description = "Rebind the tracking database to this configuration's primaries (one transaction); "
                    + "prints old -> new.")
    boolean adopt;

    @Spec
    CommandSpec spec;

    public PrimariesCommand(Supplier<Database> database, Supplier<List<PrimarySource>> sources) {
        this.database = database;
        this.sources = sources;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrimaryBinding configured = PrimaryBinding.of(sources.get());
        try (Database db = database.get()) {
            PrimaryBindingStore store = new PrimaryBindingStore(db);
            out.println("tracking database " + db.config().displayName());
            if (adopt) {
                List<StoredPrimary> before =
                        store.adopt(configured, ProcessName.hostAndPid() + " (georeg primaries --adopt)");
                changes(before, configured).forEach(out::println);
                out.println("adopted: replicators of this configuration may start; running ones of another stop"
                        + " claiming work now and turn unready within seconds");
                out.flush();
                return 0;
            }
            List<StoredPrimary> stored = store.read();
            stored.forEach(s ->
                    out.printf("stored      %s %s (bound %s by %s)%n", s.name(), s.url(), s.boundAt(), s.boundBy()));
            if (stored.isEmpty()) {
                out.println("stored      none: the first replicator to start binds the database");
            }
            configured.urls().forEach((name, url) -> out.printf("configured  %s %s%n", name, url));
            var differences = configured.differences(stored);
            differences.forEach(d -> out.println("differs     " + d.describe()));
            out.println(
                    differences.isEmpty()
                            ? "same: replicators of this configuration may run on this database"
                            : "different: a replicator of this configuration is refused here; give each site its"
                                    + " own tracking database, or if this site's primary really moved run"
                                    + " `georeg primaries --adopt`");
            out.flush();
            return differences.isEmpty() ? 0 : DIFFERENT;
        }
    }

    /** One {@code name: old -> new} line per primary of either binding. */
    private static List<String> changes(List<StoredPrimary> before, PrimaryBinding after) {
        Map<String, String> old = new TreeMap<>();
        before.forEach(s -> old.put(s.name(), s.url()));
        TreeSet<String> names = new TreeSet<>(old.keySet());
        names.addAll(after.urls().keySet());
        return names.stream()
                .map(n -> n + ": " + old.getOrDefault(n, "(none)") + " -> "
                        + after.urls().getOrDefault(n, "(none)"))
                .toList();
    }
}
