package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.DedicatedConnection;
import io.georeg.router.proxy.Upstream;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.logs.CapturedLog;
import io.georeg.testkit.tools.RefusingPort;
import io.georeg.testkit.tools.TcpRelay;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The fence lease protocol between two routers on one database ({@link FenceLease}): router A
 * writes (it holds no lease), router B reads with a fence view and a lease, its connections
 * through relays that can hold what PostgreSQL sends it or cut them. Each case asserts on what
 * A's write and B's reads do; times appear only as generous upper bounds.
 */
class FenceLeaseIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String DIGEST = "sha256:" + "f".repeat(64);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static HttpClient http;
    static FenceStore store;

    RefusingPort nothingListening;
    Upstream replica;

    @BeforeAll
    static void start() throws Exception {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        http = new HttpClient();
        http.start();
        store = new FenceStore(database.transactions(), Duration.ofMinutes(10), Duration.ZERO);
    }

    @AfterAll
    static void stop() throws Exception {
        http.stop();
        database.close();
    }

    @BeforeEach
    void replica() throws Exception {
        // No replica answers: a fence is never cleared by a replica check.
        nothingListening = RefusingPort.open();
        replica = new Upstream("replica", "nothing listening", nothingListening.url());
    }

    @AfterEach
    void noReplica() throws Exception {
        nothingListening.close();
    }

    @Test
    void aWriteAnswersOnlyOnceTheOtherRoutersViewAckedItsFence() throws Exception {
        // Long enough that B does not renew during the test: a renewal would end the wait too.
        Duration lease = Duration.ofMinutes(10);
        try (TcpRelay listen = TcpRelay.to(DB.host(), DB.port());
                Reader b = new Reader(through(listen), direct(), lease)) {
            ReadYourWrites a = writer(lease);
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            FencedRead tagRead = FencedRead.manifest("team/held", "v1");
            assertThat(b.rw.pinned(tagRead, HttpFields.EMPTY)).isFalse();

            listen.hold();
            CompletableFuture<Long> write = record(a, "team/held");
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !write.isDone());
            assertThat(b.view.find("team/held", "v1"))
                    .as("B's notification is held")
                    .isEmpty();

            listen.release();
            write.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            // Answered: B's view has acked the generation, so it holds the fence.
            assertThat(b.view.find("team/held", "v1")).isPresent();
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            assertThat(b.rw.pinned(tagRead, HttpFields.EMPTY)).isTrue();
        }
    }

    /**
     * The writer's own view fails to reload the fence it just committed (its pool's connections
     * cut): the write must still wait for B's ack. Before, the reload's exception skipped the
     * wait, and FenceOnWrite answers the write as done whatever the fences did: B's trusted view
     * lacked the fence while the client already had its answer.
     */
    @Test
    void aWriteWhoseOwnViewCannotReloadItsFenceStillWaitsForTheAcks() throws Exception {
        Duration lease = Duration.ofMinutes(10);
        TcpRelay toWritersPool = TcpRelay.to(DB.host(), DB.port());
        Database writersPool =
                new Database(through(toWritersPool).withConnectionTimeout(Duration.ofMillis(250))).start();
        FenceView aView = new FenceView(
                        new FenceStore(writersPool.transactions(), Duration.ofMinutes(10), Duration.ZERO),
                        direct(),
                        Duration.ofMillis(100))
                .start();
        try (TcpRelay listen = TcpRelay.to(DB.host(), DB.port());
                Reader b = new Reader(through(listen), direct(), lease)) {
            ReadYourWrites a =
                    new ReadYourWrites(store, aView, null, lease, null, http, replica, Duration.ofSeconds(1));
            await().atMost(WAIT).until(aView::live);
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);

            toWritersPool.close();
            listen.hold();
            CompletableFuture<Long> write = record(a, "team/unreloaded");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8)).until(() -> !write.isDone());
            assertThat(b.view.find("team/unreloaded", "v1"))
                    .as("B's notification is held")
                    .isEmpty();

            listen.release();
            write.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(b.view.find("team/unreloaded", "v1")).isPresent();
        } finally {
            aView.close();
            writersPool.close();
        }
    }

    @Test
    void aRouterWhoseViewIsStuckWhileItRenewsDelaysAWriteByAboutOneLease() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        try (TcpRelay listen = TcpRelay.to(DB.host(), DB.port());
                Reader b = new Reader(through(listen), direct(), lease)) {
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            // B's notifications are held while its lease connection renews: a view stuck, not dead.
            listen.hold();
            CompletableFuture<Long> write = record(writer(lease), "team/stuck");
            assertThat(write.get(lease.multipliedBy(5).toSeconds(), TimeUnit.SECONDS))
                    .as("waited for B's renewal after the fence, at most about one lease (%s)", lease)
                    .isPositive();
            assertThat(unexpiredLeases()).as("B still holds its lease").isEqualTo(1);
            assertThat(b.view.find("team/stuck", "v1"))
                    .as("B's view never saw the fence")
                    .isEmpty();
            assertThat(b.rw.trustedGeneration()).isNegative();
            assertThat(b.rw.pinned(FencedRead.manifest("team/stuck", "v1"), HttpFields.EMPTY))
                    .as("B asked the database: its renewal after the fence requires a generation its view lacks")
                    .isTrue();
            listen.release();
        }
    }

    @Test
    void aRouterThatStopsDeletesItsRowSoThatAWriteDoesNotWaitForIt() throws Exception {
        // Long enough that only the deletion (not the row's expiry) can end B's part in the write.
        Duration lease = Duration.ofMinutes(10);
        Reader b = new Reader(direct(), direct(), lease);
        try {
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            assertThat(unexpiredLeases()).isEqualTo(1);
        } finally {
            b.close();
        }
        assertThat(unexpiredLeases())
                .as("B's keeper deleted its row before close returned")
                .isZero();
        assertThat(b.lease.trusted()).isFalse();
        long started = System.nanoTime();
        writer(lease).record("team/stopped", List.of(Fence.Write.tagPushed("team/stopped", "v1", DIGEST)));
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("no wait for a router that stopped")
                .isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aRouterThatDiedDelaysAWriteByAboutOneLease() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        TcpRelay toB = TcpRelay.to(DB.host(), DB.port());
        Reader b = new Reader(through(toB), through(toB), lease);
        try {
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            assertThat(unexpiredLeases()).isEqualTo(1);
            // B's connections are cut: it can no longer delete its row, as a router killed.
            toB.close();
            ReadYourWrites a = writer(lease);
            long started = System.nanoTime();
            a.record("team/dead", List.of(Fence.Write.tagPushed("team/dead", "v1", DIGEST)));
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("at most about one lease (%s), with a generous margin", lease)
                    .isLessThan(lease.multipliedBy(5));
            assertThat(store.liveOf("team/dead")).hasSize(1);
            assertThat(unexpiredLeases()).isZero();
        } finally {
            b.close();
        }
    }

    /**
     * Router A (lease 200 ms) writes while B holds a longer lease (3 s). When A cannot read the
     * lease rows after its commit it must wait B's lease, not its own: B may trust its grant for
     * most of 3 s after a renewal just before the commit. Before, A waited its own 200 ms.
     */
    @Test
    void aWriteThatCannotReadTheLeasesWaitsTheLongestLeaseItSawNotItsOwn() throws Exception {
        Duration shortLease = Duration.ofMillis(200);
        Duration longLease = Duration.ofSeconds(3);
        try (CapturedLog log = CapturedLog.of(ReadYourWrites.class.getName());
                Reader a = new Reader(direct(), direct(), shortLease);
                Reader b = new Reader(direct(), direct(), longLease)) {
            await().atMost(WAIT).until(() -> a.rw.trustedGeneration() >= 0 && b.rw.trustedGeneration() >= 0);
            // Two writes that read the rows: A learns B's lease, and logs the difference once.
            record(a.rw, "team/seen").get(WAIT.toSeconds(), TimeUnit.SECONDS);
            record(a.rw, "team/seen-again").get(WAIT.toSeconds(), TimeUnit.SECONDS);

            DB.execute("ALTER TABLE router_fence_leases RENAME TO router_fence_leases_away");
            try {
                long started = System.nanoTime();
                record(a.rw, "team/blind").get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .as("waited B's lease (%s), not A's own (%s)", longLease, shortLease)
                        .isGreaterThanOrEqualTo(longLease);
            } finally {
                DB.execute("ALTER TABLE router_fence_leases_away RENAME TO router_fence_leases");
            }
            assertThat(store.liveOf("team/blind")).hasSize(1);
            assertThat(log.events().stream()
                            .filter(e -> e.getLevel() == Level.WARN)
                            .map(ILoggingEvent::getFormattedMessage)
                            .filter(m -> m.contains("leases (router.fenceLease) differ")))
                    .as("the differing leases, logged once")
                    .hasSize(1)
                    .allSatisfy(m -> assertThat(m).contains("from PT0.2S to PT3S"));
        }
    }

    @Test
    void whileARouterOfThePreviousReleaseIsConnectedTheLeaseIsNotTrusted() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        try (Reader b = new Reader(direct(), direct(), lease)) {
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            try (Connection previous = DedicatedConnection.open(direct(), FenceView.PREVIOUS_APPLICATION_NAME)) {
                await().atMost(WAIT).until(() -> b.rw.trustedGeneration() < 0);
                assertThat(b.lease.trusted()).isFalse();
                // A write through the previous release waits for no ack: B's read asks the database.
                store.record("team/mixed", "v1", DIGEST);
                assertThat(b.rw.pinned(FencedRead.manifest("team/mixed", "v1"), HttpFields.EMPTY))
                        .isTrue();
                assertThat(previous.isValid(1)).isTrue();
            }
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
        }
    }

    @Test
    void aLeaseNotRenewedStopsBeingTrustedAndReadsAskTheDatabase() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        try (TcpRelay listen = TcpRelay.to(DB.host(), DB.port());
                TcpRelay renewals = TcpRelay.to(DB.host(), DB.port());
                Reader b = new Reader(through(listen), through(renewals), lease)) {
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            renewals.hold();
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() < 0);
            assertThat(b.view.live()).isTrue();

            // B's view does not get the notification, nor could B ack it: A waits until B's row
            // expired, and B's read asks the database.
            listen.hold();
            writer(lease).record("team/lapsed", List.of(Fence.Write.tagPushed("team/lapsed", "v1", DIGEST)));
            assertThat(b.view.find("team/lapsed", "v1")).isEmpty();
            assertThat(b.rw.trustedGeneration()).isNegative();
            assertThat(b.rw.pinned(FencedRead.manifest("team/lapsed", "v1"), HttpFields.EMPTY))
                    .as("asked the database: the fence generation says the view is behind")
                    .isTrue();

            listen.release();
            renewals.release();
            await().atMost(WAIT).until(() -> b.rw.trustedGeneration() >= 0);
            assertThat(b.rw.pinned(FencedRead.manifest("team/lapsed", "v1"), HttpFields.EMPTY))
                    .isTrue();
        }
    }

    /**
     * Two routers starting together both delete the rows of routers that died long ago. On a
     * database whose {@code default_transaction_isolation} is repeatable read, the lease's
     * connection ran at that level: its delete, once the other router's delete of the same row
     * committed, failed with 40001 (read committed skips the row), and the renewal with it, which
     * was tried again only a quarter of a lease later.
     */
    @Test
    void aLeaseCleaningUpTheSameDeadRowAsAnotherRouterRenewsWhateverTheDatabasesDefaultIsolation() throws Exception {
        ch.qos.logback.classic.Logger keeperLog =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(FenceLease.class);
        Level levelBefore = keeperLog.getLevel();
        keeperLog.setLevel(Level.DEBUG); // the keeper logs a failed round trip at DEBUG
        try (TestDatabase own = TestDatabase.create();
                CapturedLog keeper = CapturedLog.of(FenceLease.class.getName())) {
            own.repeatableReadByDefault();
            DatabaseConfig config = DatabaseConfig.of(own.jdbcUrl(), own.user(), own.password());
            try (Database pool = new Database(config.withMigrateOnStart(true)).start();
                    Connection otherRouter = own.connect()) {
                own.execute("INSERT INTO router_fence_leases (instance, acked_generation, renewed_at, expires_at)"
                        + " VALUES ('router-dead', 0, now() - interval '3 hours', now() - interval '2 hours')");
                otherRouter.setAutoCommit(false);
                try (Statement forget = otherRouter.createStatement()) {
                    forget.executeUpdate(
                            "DELETE FROM router_fence_leases WHERE expires_at < now() - interval '1 hour'");
                }
                FenceView view = new FenceView(
                        new FenceStore(pool.transactions(), Duration.ofMinutes(10), Duration.ZERO),
                        config,
                        Duration.ofMillis(100));
                // Short, so that a failed renewal is retried (after a quarter of it) before the wait ends.
                FenceLease lease = new FenceLease(view, config, Duration.ofSeconds(2));
                try {
                    view.start();
                    lease.start();
                    await().atMost(WAIT)
                            .alias("the lease's cleanup waits for the other router's delete")
                            .until(() ->
                                    own.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                                                    + FenceLease.APPLICATION_NAME + "' AND wait_event_type = 'Lock'")
                                            == 1);
                    otherRouter.commit();

                    await().atMost(WAIT).until(lease::trusted);
                    assertThat(keeper.events().stream()
                                    .map(ILoggingEvent::getThrowableProxy)
                                    .filter(Objects::nonNull)
                                    .map(IThrowableProxy::getMessage))
                            .as("the keeper's failed round trips")
                            .isEmpty();
                } finally {
                    lease.close();
                    view.close();
                }
            }
        } finally {
            keeperLog.setLevel(levelBefore);
        }
    }

    private CompletableFuture<Long> record(ReadYourWrites writer, String repository) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                done.complete(writer.record(repository, List.of(Fence.Write.tagPushed(repository, "v1", DIGEST))));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** A router that writes and holds no lease of its own (no fence view). */
    private ReadYourWrites writer(Duration lease) {
        return new ReadYourWrites(store, null, null, lease, null, http, replica, Duration.ofSeconds(1));
    }

    private static long unexpiredLeases() throws Exception {
        try (Connection c = DedicatedConnection.open(direct(), "test");
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM router_fence_leases WHERE expires_at > now()");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static DatabaseConfig direct() {
        return DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password());
    }

    private static DatabaseConfig through(TcpRelay relay) {
        return DatabaseConfig.of(DB.jdbcUrlThrough(relay.port()), DB.user(), DB.password());
    }

    /** Router B: a fence view ({@code listen}), a lease ({@code leases}) and its read-your-writes. */
    private final class Reader implements AutoCloseable {
        final FenceView view;
        final FenceLease lease;
        final ReadYourWrites rw;

        Reader(DatabaseConfig listen, DatabaseConfig leases, Duration duration) {
            view = new FenceView(store, listen, Duration.ofMillis(100));
            lease = new FenceLease(view, leases, duration);
            view.start();
            lease.start();
            rw = new ReadYourWrites(store, view, lease, duration, direct(), http, replica, Duration.ofSeconds(1));
        }

        @Override
        public void close() {
            rw.close();
            lease.close();
            view.close();
        }
    }
}
