package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work queued by another process (another replicator's intake, a {@code georeg reconcile} or
 * {@code georeg retry} run) starts at once, not at the next poll: the replicator LISTENs for the
 * queue's NOTIFY on a connection of its own, and listens again after that connection is lost. The
 * workers here poll every ten minutes and renew their leases every few minutes (either would start a
 * claim too), so only the wake-up can start the work within the test's bound; the work is queued through a database pool of its own, as another process would.
 */
class WakeUpIT {
    /** Far below the poll interval: only a wake-up starts the work in time. */
    private static final Duration WOKEN_WITHIN = Duration.ofSeconds(20);

    private static final Duration POLL = Duration.ofMinutes(10);
    private static final String REPO = "wake/app";
    private static final String LISTENER_APPLICATION = "georeg-replicator-wake";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static RegistryHttp registry;
    private static Database anotherProcess;

    @BeforeAll
    static void start() throws Exception {
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.storingUnder(temp.resolve("primary"));
        registry = new RegistryHttp(primary.url());
        WorkerConfig d = WorkerConfig.defaults();
        replica.start(
                primary.url(),
                new WorkerConfig(
                        2, POLL, POLL, d.maxAttempts(), d.backoffInitial(), d.backoffMax(), d.shutdownGrace()));
        anotherProcess = ReplicatorDatabase.start(DB);
        await("the wake-up listener connected").atMost(WOKEN_WITHIN).until(() -> listenerConnections() == 1);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {registry, primary, replica, anotherProcess}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void workQueuedElsewhereStartsAtOnceAndAfterTheListenerLostItsConnection() throws Exception {
        TestImage first = TestImages.image(11);
        assertThat(registry.push(REPO, "v1", first).status()).isEqualTo(201);
        queueElsewhere("v1");
        await("v1 replicated after a wake-up, long before the next poll")
                .atMost(WOKEN_WITHIN)
                .until(() -> replica.tagDigest(REPO, "v1")
                        .equals(Optional.of(first.manifest().digest())));

        // The listener's connection is cut (a database failover, an idle-connection killer):
        // it connects and listens again by itself.
        assertThat(terminateListener()).as("listener connections terminated").isEqualTo(1);
        await("the wake-up listener reconnected").atMost(WOKEN_WITHIN).until(() -> listenerConnections() == 1);

        TestImage second = TestImages.image(12);
        assertThat(registry.push(REPO, "v2", second).status()).isEqualTo(201);
        queueElsewhere("v2");
        await("v2 replicated after a wake-up on the new connection")
                .atMost(WOKEN_WITHIN)
                .until(() -> replica.tagDigest(REPO, "v2")
                        .equals(Optional.of(second.manifest().digest())));
    }

    private static void queueElsewhere(String tag) {
        new WorkQueue(anotherProcess)
                .enqueue(
                        List.of(WorkRequest.tagSync(RepositoryName.of(REPO), Tag.of(tag), Instant.now(), "reconcile")));
    }

    private static int listenerConnections() throws SQLException {
        return intQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + LISTENER_APPLICATION
                + "' AND datname = current_database()");
    }

    private static int terminateListener() throws SQLException {
        return intQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE application_name = '" + LISTENER_APPLICATION + "' AND datname = current_database()");
    }

    private static int intQuery(String sql) throws SQLException {
        try (Connection c = anotherProcess.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }
}
