package io.georeg.app.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.app.config.GeoregConfig;
import io.georeg.db.Database;
import io.georeg.db.Migrations;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code georeg migrate}: applies pending Flyway migrations of the tracking database and prints what ran. */
@Command(name = "migrate", description = "Apply pending database migrations and print what ran.")
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    GeoregCommand georeg;

    @Option(names = "--json", description = "Print {\"applied\": [...], \"version\": \"N\"} on stdout instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GeoregConfig config = georeg.config();
        PrintWriter out = spec.commandLine().getOut();
        // The pool must not migrate by itself here: this command reports what it applies.
        try (Database database = new Database(config.database().withMigrateOnStart(false)).start()) {
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
        }
        out.flush();
        return 0;
    }
}
