package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.TcpRelay;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin API of a router whose tracking database stalls: its connections to PostgreSQL go
 * through a relay told to stop forwarding both ways without closing anything, as a blackholed
 * network or a managed PostgreSQL failing over does. Tried: an operator's switch made while the
 * admin poll's read waited in the relay. The poll's read used to wait for as long as TCP allowed
 * while holding the order of the store's answers, and the switch waited behind it: the router
 * could not be switched while its database did not answer.
 */
class RouterAdminDatabaseStallIT {
    private static final String TOKEN = "router-admin-stall-test-token-0123456789";
    /** Far above what a switch takes with the default bounds, far below "as long as TCP allows". */
    private static final Duration SWITCH_ANSWER = Duration.ofSeconds(20);
    /**
     * How long {@code georeg drill} and {@code georeg promote} wait for a router's answer: with the
     * default bounds ({@code router.admin.storeTimeout}, {@code database.connectionTimeout}) a switch
     * answers within it.
     */
    private static final Duration FAILOVER_CLIENT_WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Database direct;
    static FakeUpstream primary;
    static FakeUpstream replica;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The router of one test and what it reaches its database through, stopped after it. */
    final RouterFixtures perTest = new RouterFixtures();

    TcpRelay relay;
    Database relayed;
    Router router;

    @BeforeAll
    static void start() throws Exception {
        direct = FIXTURES.database(DB);
        primary = FIXTURES.add(new FakeUpstream());
        replica = FIXTURES.add(new FakeUpstream());
    }

    @BeforeEach
    void routerThroughARelay() throws Exception {
        relay = perTest.add(TcpRelay.to(DB.host(), DB.port()));
        relayed = perTest.add(new Database(DatabaseConfig.of(DB.jdbcUrlThrough(relay.port()), DB.user(), DB.password())
                        .withMaxPoolSize(4))
                .start());
        router = perTest.add(LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withAdmin(new RouterConfig.Admin(TOKEN, Duration.ofMillis(100))),
                LoopbackRouter.withDatabase(relayed)));
    }

    @AfterEach
    void stopAndRestore() throws Exception {
        perTest.close();
        DB.execute("UPDATE router_admin_state SET mode = 'normal', reason = '', primary_url = NULL");
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void aSwitchMadeWhileThePollWaitsOnAStalledDatabaseIsAppliedAtOnceAndStoredWhenTheDatabaseAnswers()
            throws Exception {
        stallDuringAPoll();

        long started = System.nanoTime();
        HttpResponse<String> answer = switchMode("{\"mode\":\"primary-down\",\"reason\":\"incident\"}");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took)
                .as("the switch answered within the wait of georeg drill")
                .isLessThan(FAILOVER_CLIENT_WAIT);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body())
                .contains("\"mode\":\"primary-down\"")
                .contains("\"stored\":false")
                .contains("not stored");
        assertThat(modeOnTheRouter()).contains("\"mode\":\"primary-down\"");
        assertThat(DB.queryText("SELECT mode FROM router_admin_state"))
                .as("nothing reached the database yet")
                .isEqualTo("normal");

        relay.release();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> "primary-down".equals(DB.queryText("SELECT mode FROM router_admin_state")));
        await().atMost(Duration.ofSeconds(10)).until(() -> modeOnTheRouter().contains("\"stored\":true"));
        assertThat(modeOnTheRouter()).contains("\"mode\":\"primary-down\"").contains("\"reason\":\"incident\"");
    }

    @Test
    void aSwitchStoredElsewhereWhileTheDatabaseStalledForThisRouterWinsOverThisRoutersUnstoredOne() throws Exception {
        stallDuringAPoll();
        assertThat(switchMode("{\"mode\":\"primary-down\"}").statusCode()).isEqualTo(200);

        // Another router, whose path to the database works, stores a later switch.
        DB.execute("UPDATE router_admin_state SET mode = 'frozen', reason = 'elsewhere', updated_at = now()");
        relay.release();

        await().atMost(Duration.ofSeconds(30)).until(() -> modeOnTheRouter().contains("\"mode\":\"frozen\""));
        assertThat(modeOnTheRouter()).contains("\"stored\":true");
        assertThat(DB.queryText("SELECT mode FROM router_admin_state")).isEqualTo("frozen");
    }

    @Test
    void aSwitchWhileAnotherSessionLocksTheAdminStateIsAppliedAtOnceAndStoredWhenTheLockIsGone() throws Exception {
        try (Connection holder = DB.connect()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("SELECT * FROM router_admin_state FOR UPDATE");
            }

            HttpResponse<String> answer = switchMode("{\"mode\":\"frozen\",\"reason\":\"promotion\"}");

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body())
                    .contains("\"mode\":\"frozen\"")
                    .contains("\"stored\":false")
                    .as("PostgreSQL ended the waiting write itself")
                    .contains("statement timeout");
            holder.rollback();
        }

        await().atMost(Duration.ofSeconds(10))
                .until(() -> "frozen".equals(DB.queryText("SELECT mode FROM router_admin_state")));
        await().atMost(Duration.ofSeconds(10)).until(() -> modeOnTheRouter().contains("\"stored\":true"));
    }

    /** Stalls the relay and waits until the admin poll's query is held in it. */
    private void stallDuringAPoll() {
        relay.stall();
        await().atMost(Duration.ofSeconds(10))
                .alias("a poll of the admin state waits on the stalled database")
                .until(() -> relay.waiting() > 0);
    }

    private HttpResponse<String> switchMode(String body) throws Exception {
        HttpRequest put = HttpRequest.newBuilder(router.operatorUrl().resolve("/-/admin/mode"))
                .header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return HTTP.sendAsync(put, HttpResponse.BodyHandlers.ofString())
                    .get(SWITCH_ANSWER.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return fail("PUT /-/admin/mode " + body + ", made while the admin poll waited on a stalled database,"
                    + " got no answer within " + SWITCH_ANSWER.toSeconds() + " s");
        } catch (ExecutionException e) {
            return fail("PUT /-/admin/mode " + body + " failed", e.getCause());
        }
    }

    private String modeOnTheRouter() throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(router.operatorUrl().resolve("/-/admin/mode"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
