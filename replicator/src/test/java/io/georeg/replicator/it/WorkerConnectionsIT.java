package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.HoldingProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker waiting for the primary holds no pooled database connection: a copy's statements each
 * take a connection and give it back, so the pool a replicator needs is about the statements
 * running at once, not its workers (with 16 workers, one or two busy on average during an initial
 * replication: scripts/bench-replication prints it). A connection
 * held across a request to the primary would tie up a backend for as long as the primary takes, and starve the
 * other workers of a pool smaller than the workers. The replicator reads the primary through a
 * {@link HoldingProxy} that holds, in turn, its read of the tag and its download of a layer; while
 * each is held, no pooled connection is busy. The wake-up listener's {@code LISTEN} holds a
 * connection of its own, outside the pool, for as long as the workers run.
 */
class WorkerConnectionsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REPO = "pool/app";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static HoldingProxy proxy;
    private static RegistryHttp registry;
    private static Replicator replicator;

    @BeforeAll
    static void start() throws Exception {
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        // No notifications: the intake's commits would borrow connections while the test counts them.
        primary = Distribution.storingUnder(temp.resolve("primary"));
        proxy = HoldingProxy.to(primary.url());
        // One worker, and a lease whose renewal (every third of it) does not fall into the test.
        replicator =
                replica.start(proxy.url(), ReplicatorUnderTest.fastRetries(1).withLease(Duration.ofMinutes(5)));
        registry = new RegistryHttp(primary.url());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {registry, proxy, primary, replica}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void aWorkerWaitingForThePrimaryHoldsNoDatabaseConnection() throws SQLException {
        TestImage image = TestImages.image(7);
        assertThat(registry.push(REPO, "v1", image).status()).isEqualTo(201);
        Digest layer = image.layers().getFirst().digest();
        HoldingProxy.Hold tagRead = proxy.holdNext("GET", "/manifests/v1");
        HoldingProxy.Hold download = proxy.holdNext("GET", "/blobs/" + layer);

        replicator.reconciler().reconcileAll(List.of(), ReconcileProgress.NONE);

        await().atMost(WAIT).until(tagRead::arrived);
        assertNoPooledConnectionIsBusy("reading the tag from the primary");
        tagRead.release();

        await().atMost(WAIT).until(download::arrived);
        assertNoPooledConnectionIsBusy("downloading a layer from the primary");
        download.release();

        await().atMost(WAIT)
                .until(() -> replicaTag().equals(Optional.of(image.manifest().digest())));
        assertThat(wakeListenerConnections())
                .as("the wake-up listener's LISTEN on a connection of its own")
                .isEqualTo(1);
    }

    private static int wakeListenerConnections() throws SQLException {
        try (Connection c = replica.database().dataSource().getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'georeg-replicator-wake'"
                                + " AND datname = current_database()");
                ResultSet r = s.executeQuery()) {
            r.next();
            return r.getInt(1);
        }
    }

    /** Busy pooled connections stay at none for a second while the worker waits. */
    private static void assertNoPooledConnectionIsBusy(String whileDoing) {
        HikariPoolMXBean pool = ((HikariDataSource) replica.database().dataSource()).getHikariPoolMXBean();
        await("busy connections while the worker is " + whileDoing)
                .during(Duration.ofSeconds(1))
                .atMost(WAIT)
                .until(pool::getActiveConnections, active -> active == 0);
    }

    private static Optional<Digest> replicaTag() {
        return replica.reader()
                .manifest(RepositoryName.of(REPO), new Reference.ByTag(Tag.of("v1")))
                .map(ReplicaReader.StoredManifest::digest);
    }
}
