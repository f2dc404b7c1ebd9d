package io.georeg.replicator.testing;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.testkit.db.TestDatabase;
import java.time.Duration;

/** Opens a migrated {@link Database} on a test class's own {@link TestDatabase} (its SQL probes are {@link TestDatabase#queryLong} and {@link TestDatabase#queryText}). */
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

    public static void truncateQueue(TestDatabase db) {
        db.execute("TRUNCATE replication_event, replication_work, pull_counter");
    }
}
