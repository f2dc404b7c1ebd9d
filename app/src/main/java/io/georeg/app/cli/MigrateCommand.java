package io.georeg.app.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.app.config.GeoregConfig;
import io.georeg.db.Database;
import io.georeg.db.Migrations;
import io.georeg.db.SchemaStatus;
import io.georeg.ops.BuildInfo;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code georeg migrate}: applies pending Flyway migrations of the tracking database and prints what
 * ran. {@code georeg migrate --check} changes nothing and answers, by its exit code, where the
 * database's schema stands against this binary (the version-skew guard's {@link SchemaStatus}):
 * {@value #UP_TO_DATE}, {@value #PENDING}, {@value #AHEAD}, {@value #INCOMPATIBLE}.
 */
@Command(
        name = "migrate",
        description = "Apply pending database migrations and print what ran; --check only reports.",
        exitCodeListHeading = "%nExit codes of --check:%n",
        exitCodeList = {
            "0:the database is up to date with this binary",
            "3:migrations of this binary are pending (run georeg migrate)",
            "4:the database is ahead of this binary by expansions only: this binary still runs on it",
            "5:the database is ahead by a contract migration: this binary must not run on it",
            "1:the database could not be read",
            "2:bad usage or configuration"
        })
final class MigrateCommand implements Callable<Integer> {
    static final int UP_TO_DATE = 0;
    static final int PENDING = 3;
    static final int AHEAD = 4;
    static final int INCOMPATIBLE = 5;

    @ParentCommand
    GeoregCommand georeg;

    @Option(
            names = "--json",
            description = "Print JSON on stdout instead of text: {\"applied\": [...], \"version\": \"N\"}, with"
                    + " --check {\"state\", \"database\", \"binary\", \"oldestCompatible\", \"pending\", \"georeg\"}.")
    boolean json;

    @Option(
            names = "--check",
            description = "Apply nothing: report whether the database's schema is up to date with this binary (exit"
                    + " 0), has pending migrations (3), is ahead by expansions this binary runs on (4) or by a"
                    + " contract migration it must not run on (5).")
    boolean check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GeoregConfig config = georeg.config();
        PrintWriter out = spec.commandLine().getOut();
        // The pool must not migrate by itself here: this command reports what it applies, or only checks.
        try (Database database = new Database(config.database().withMigrateOnStart(false)).start()) {
            return check ? check(Migrations.status(database.dataSource()), out) : migrate(database, out);
        } finally {
            out.flush();
        }
    }

    private int migrate(Database database, PrintWriter out) {
        Migrations.Result result = Migrations.migrate(database.dataSource());
        if (json) {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            result.applied().forEach(root.putArray("applied")::add);
            root.put("version", result.currentVersion());
            out.println(root.toPrettyString());
        } else if (result.applied().isEmpty()) {
            out.println("database is up to date at version " + result.currentVersion());
        } else {
            result.applied().forEach(m -> out.println("applied migration " + m));
            out.println("database is now at version " + result.currentVersion());
        }
        return 0;
    }

    private int check(SchemaStatus status, PrintWriter out) {
        BuildInfo build = BuildInfo.current();
        if (json) {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.put("state", status.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            root.put("database", status.database());
            root.put("binary", status.known());
            root.put("oldestCompatible", status.oldestCodeSchema());
            status.pending().forEach(root.putArray("pending")::add);
            root.put("georeg", build.version());
            out.println(root.toPrettyString());
        } else {
            out.println(build.label() + " (schema " + status.known() + "): " + status.summary());
            status.problem(build.label()).ifPresent(out::println);
        }
        return switch (status.verdict()) {
            case UP_TO_DATE -> UP_TO_DATE;
            case PENDING -> PENDING;
            case AHEAD -> AHEAD;
            case INCOMPATIBLE -> INCOMPATIBLE;
        };
    }
}
