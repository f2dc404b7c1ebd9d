package io.georeg.app.e2e;

import io.georeg.testkit.db.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What replication did, for a wait that ran out: the events the replicator recorded, its work rows
 * with their state and last error, and the end of the primary's log (which goes with the test's
 * temporary directory). A wait for replication that fails with "condition not fulfilled" alone
 * cannot tell a notification that never arrived from a copy that failed or never ran.
 */
public final class ReplicationDiagnosis {
    private ReplicationDiagnosis() {}

    static String of(TestDatabase db, Path primaryLog) {
        return "events recorded: "
                + rows(
                        db,
                        "SELECT action || ' ' || repository || ' ' || coalesce(tag, digest, '')"
                                + " FROM replication_event ORDER BY received_at")
                + "\nwork: "
                + rows(
                        db,
                        "SELECT concat_ws(' ', state, kind, repository, ref, attempts, last_error)"
                                + " FROM replication_work ORDER BY id")
                + "\nthe primary's log ends:\n" + tail(primaryLog, 40);
    }

    static List<String> rows(TestDatabase db, String query) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (Exception e) {
            return List.of("(cannot read: " + e + ")");
        }
    }

    /** The last {@code lines} lines of a log file, or why it cannot be read. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (Exception e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
