package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.FreePort;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The router's admin API ({@code /-/admin/mode}, {@code /-/admin/primary}) with two router
 * instances on one real PostgreSQL and scripted upstreams: the token is required and compared,
 * {@code frozen} refuses writes and logins with the promotion message while reads go on,
 * {@code primary-down} behaves as an open circuit, a switch through one router reaches the other
 * through the database, and a primary switch sends writes to the new primary.
 */
class RouterAdminIT {
    private static final String TOKEN = "router-admin-test-token";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static FakeUpstream primary;
    static FakeUpstream newPrimary;
    static FakeUpstream replica;
    static Router first;
    static Router second;
    static Router withoutToken;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        primary = new FakeUpstream();
        newPrimary = new FakeUpstream();
        replica = new FakeUpstream();
        first = startRouter(TOKEN);
        second = startRouter(TOKEN);
        withoutToken = startRouter(null);
    }

    private static Router startRouter(String token) throws Exception {
        int port = FreePort.pick();
        RouterConfig config = RouterConfig.of(
                        URI.create("http://127.0.0.1:" + port),
                        port,
                        primary.url(),
                        null,
                        new RouterConfig.ReplicaEndpoint.Remote(replica.url()))
                .withTimeouts(new RouterConfig.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofMillis(500)))
                .withAdmin(new RouterConfig.Admin(token, Duration.ofMillis(100)));
        return new Router(config, database.transactions(), new PrometheusRegistry()).start();
    }

    @AfterEach
    void backToNormal() throws Exception {
        admin(first, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"normal\"}");
        admin(first, "PUT", "/-/admin/primary", TOKEN, "{\"url\":null}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin(second, "GET", "/-/admin/mode", TOKEN, null)
                                .body()
                                .contains("\"normal\"")
                        && admin(second, "GET", "/-/admin/mode", TOKEN, null)
                                .body()
                                .contains(primary.url().toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c :
                new AutoCloseable[] {first, second, withoutToken, primary, newPrimary, replica, database}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void adminApiNeedsTheTokenAndDoesNotExistWithoutOne() throws Exception {
        assertThat(admin(withoutToken, "GET", "/-/admin/mode", TOKEN, null).statusCode())
                .isEqualTo(404);
        assertThat(admin(first, "GET", "/-/admin/mode", null, null).statusCode())
                .isEqualTo(401);
        assertThat(admin(first, "GET", "/-/admin/mode", TOKEN + "x", null).statusCode())
                .isEqualTo(401);
        HttpResponse<String> ok = admin(first, "GET", "/-/admin/mode", TOKEN, null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"mode\":\"normal\"").contains("\"primaryUrl\":\"" + primary.url() + "\"");
    }

    @Test
    void badChangesAreRefusedWithTheReason() throws Exception {
        HttpResponse<String> mode = admin(first, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"sideways\"}");
        HttpResponse<String> url = admin(first, "PUT", "/-/admin/primary", TOKEN, "{\"url\":\"ftp://x/y\"}");
        HttpResponse<String> json = admin(first, "PUT", "/-/admin/mode", TOKEN, "not json");

        assertThat(mode.statusCode()).isEqualTo(400);
        assertThat(mode.body()).contains("unknown mode 'sideways'");
        assertThat(url.statusCode()).isEqualTo(400);
        assertThat(url.body()).contains("http(s) origin");
        assertThat(json.statusCode()).isEqualTo(400);
    }

    @Test
    void frozenRefusesPushesAndLoginsWithThePromotionMessageOnEveryRouterWhileReadsGoOn() throws Exception {
        assertThat(admin(first, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"frozen\",\"reason\":\"moving to site B\"}")
                        .statusCode())
                .isEqualTo(200);

        for (Router router : new Router[] {first, second}) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> send(router, "POST", "/v2/app/blobs/uploads/").statusCode() == 503);
            HttpResponse<String> push = send(router, "POST", "/v2/app/blobs/uploads/");
            assertThat(push.body())
                    .contains("UNAVAILABLE")
                    .contains("writes are frozen for a planned promotion: moving to site B");
            assertThat(send(router, "GET", "/jwt/auth?service=x").statusCode()).isEqualTo(503);
            assertThat(send(router, "GET", "/v2/app/manifests/latest").statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void primaryDownBehavesAsAnOpenCircuitAndNormalRestoresIt() throws Exception {
        admin(second, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"primary-down\",\"reason\":\"drill\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> !first.primaryReachable());
        HttpResponse<String> push = send(first, "PUT", "/v2/app/manifests/v1");
        assertThat(push.statusCode()).isEqualTo(503);
        assertThat(push.body())
                .contains("primary site is unreachable (primary-down drill mode set by an operator: drill)");
        HttpResponse<String> read = send(first, "GET", "/v2/app/manifests/v1");
        assertThat(read.headers().firstValue("X-Georeg-Possibly-Stale")).hasValue("true");
        assertThat(admin(first, "GET", "/-/admin/mode", TOKEN, null).body())
                .contains("\"primaryCircuit\":\"open\"")
                .contains("\"primaryProbedReachable\":true");

        admin(first, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"normal\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> first.primaryReachable() && second.primaryReachable());
    }

    @Test
    void switchingThePrimarySendsWritesOfEveryRouterToTheNewOne() throws Exception {
        HttpResponse<String> switched =
                admin(first, "PUT", "/-/admin/primary", TOKEN, "{\"url\":\"" + newPrimary.url() + "/\"}");
        assertThat(switched.statusCode()).isEqualTo(200);
        assertThat(switched.body()).contains("\"primaryUrl\":\"" + newPrimary.url() + "\"");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin(second, "GET", "/-/admin/primary", TOKEN, null)
                        .body()
                        .contains("\"primaryUrl\":\"" + newPrimary.url() + "\""));
        int before = newPrimary.seen().size();

        assertThat(send(second, "POST", "/v2/app/blobs/uploads/").statusCode()).isEqualTo(200);

        assertThat(newPrimary.seen()).hasSize(before + 1);
        assertThat(newPrimary.last().pathQuery()).isEqualTo("/v2/app/blobs/uploads/");
    }

    private static HttpResponse<String> admin(Router router, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(router.localUrl().resolve(path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(Router router, String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve(path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
