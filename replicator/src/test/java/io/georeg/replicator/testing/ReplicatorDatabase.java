package io.georeg.replicator.testing;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.testkit.db.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Opens a migrated {@link Database} on a test class's own {@link TestDatabase}, and small SQL probes. */
public final class ReplicatorDatabase {
    private ReplicatorDatabase() {}

    public static Database start(TestDatabase db) {
        return start(db.jdbcUrl(), db);
    }

    /** A pool on {@code jdbcUrl} (e.g. through a {@link TcpForwarder}) with the test database's credentials. */
    public static Database start(String jdbcUrl, TestDatabase db) {
        DatabaseConfig config = DatabaseConfig.of(jdbcUrl, db.user(), db.password())
                .withMigrateOnStart(true)
                .withConnectionTimeout(Duration.ofMillis(500))
                .withMaxPoolSize(8);
        return new Database(config).start();
    }

    public static long count(TestDatabase db, String sql) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static String text(TestDatabase db, String sql) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static void execute(TestDatabase db, String sql) {
        db.execute(sql);
    }

    public static void truncateQueue(TestDatabase db) {
        execute(db, "TRUNCATE replication_event, replication_work, pull_counter");
    }
}
