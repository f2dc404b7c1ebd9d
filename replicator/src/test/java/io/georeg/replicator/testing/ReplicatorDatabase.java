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

    /**
     * A pool on {@code jdbcUrl} (e.g. through a {@link io.georeg.testkit.tools.TcpRelay}) with the test database's
     * credentials: smaller than the product's, and quick to give up, so that a test that leaks
     * or starves connections fails at once rather than after the default's seconds.
     */
    public static Database start(String jdbcUrl, TestDatabase db) {
        return new Database(productPool(jdbcUrl, db)
                        .withConnectionTimeout(Duration.ofMillis(500))
                        .withMaxPoolSize(8))
                .start();
    }

    /**
     * A pool sized and timed as {@code georeg serve}'s by default ({@link DatabaseConfig#of}), for
     * the benchmarks: they measure the product as shipped, and under a loaded machine the test
     * pool's half-second wait failed a benchmark's own queue reads. {@code -Dbench.maxPoolSize=N}
     * and {@code -Dbench.minIdle=N} size it otherwise, for A/B runs of pool sizes.
     */
    public static Database startAsShipped(TestDatabase db) {
        DatabaseConfig shipped = productPool(db.jdbcUrl(), db);
        return new Database(shipped.withMaxPoolSize(Integer.getInteger("bench.maxPoolSize", shipped.maxPoolSize()))
                        .withMinIdle(Integer.getInteger("bench.minIdle", shipped.minIdle())))
                .start();
    }

    private static DatabaseConfig productPool(String jdbcUrl, TestDatabase db) {
        return DatabaseConfig.of(jdbcUrl, db.user(), db.password()).withMigrateOnStart(true);
    }

    public static void truncateQueue(TestDatabase db) {
        db.execute("TRUNCATE replication_event, replication_work, pull_counter");
    }

    /**
     * Empties the database into a new site's: no queue, no replicated content, bound to no primary.
     * For a test class whose tests each start a primary of their own (a stand-in on a new port):
     * each is a site of its own, and a replicator of another primary on the last test's database
     * would be refused ({@code PrimaryBindingGuard}), as it is in production.
     */
    public static void emptyForANewSite(TestDatabase db) {
        db.execute("TRUNCATE replication_event, replication_work, pull_counter, repositories, blobs,"
                + " replica_primaries CASCADE");
    }
}
