package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.router.admin.FailedAttempts;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The router's admin API ({@code /-/admin/mode}, {@code /-/admin/primary}) with two router
 * instances on one real PostgreSQL and scripted upstreams: the token is required and compared,
 * {@code frozen} refuses writes and token requests for pushes with the promotion message while
 * reads, logins and token requests for pulls go on,
 * {@code primary-down} behaves as an open circuit, a switch through one router reaches the other
 * through the database, and a primary switch sends writes to the new primary. The admin API,
 * metrics and the status page are on the operator listener only; the public URL answers 404 there.
 */
class RouterAdminIT {
    private static final String TOKEN = "router-admin-test-token-0123456789abcdef";
    /** Stands in for the app's status page, which the router is given to serve on its operator listener. */
    private static final Handler STATUS_PAGE = new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (!path.equals("/-/status") && !path.equals("/-/status.json")) {
                return false;
            }
            response.setStatus(200);
            response.write(
                    true,
                    ByteBuffer.wrap("{\"repositories\":[\"team/secret\"]}".getBytes(StandardCharsets.UTF_8)),
                    callback);
            return true;
        }
    };

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static final RouterFixtures FIXTURES = new RouterFixtures();
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
        database = FIXTURES.database(DB);
        primary = FIXTURES.add(new FakeUpstream());
        newPrimary = FIXTURES.add(new FakeUpstream());
        replica = FIXTURES.add(new FakeUpstream());
        first = startRouter(TOKEN);
        second = startRouter(TOKEN);
        withoutToken = startRouter(null);
    }

    private static Router startRouter(String token) throws Exception {
        return FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withTimeouts(
                                LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofMillis(500)))
                        .withAdmin(new RouterConfig.Admin(token, Duration.ofMillis(100))),
                config -> new Router(
                                config,
                                database.transactions(),
                                new PrometheusRegistry(),
                                Router.Wiring.NONE.withLocalPages(STATUS_PAGE))
                        .start()));
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
        FIXTURES.close();
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
    void operatorEndpointsAnswer404OnThePublicUrlAndAreServedOnTheOperatorListener() throws Exception {
        for (String path : List.of("/-/status", "/-/status.json", "/metrics", "/-/admin/mode", "/-/admin/primary")) {
            HttpResponse<String> publicly = HTTP.send(
                    HttpRequest.newBuilder(first.localUrl().resolve(path))
                            .header("Authorization", "Bearer " + TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(publicly.statusCode()).as("public " + path).isEqualTo(404);
            assertThat(publicly.body())
                    .as("public " + path)
                    .doesNotContain("team/secret")
                    .doesNotContain("georeg_");

            HttpResponse<String> operator = HTTP.send(
                    HttpRequest.newBuilder(first.operatorUrl().resolve(path))
                            .header("Authorization", "Bearer " + TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(operator.statusCode()).as("operator " + path).isEqualTo(200);
        }
        assertThat(send(first, "PUT", "/-/admin/mode").statusCode())
                .as("no admin change through the public URL")
                .isEqualTo(404);
        assertThat(send(first, "GET", "/-/health").statusCode()).isEqualTo(200);
        assertThat(first.operatorPort()).isNotEqualTo(first.port());
    }

    @Test
    void wrongAdminTokensAreLimitedPerAddress() throws Exception {
        try (Router guarded = startRouter(TOKEN)) {
            for (int i = 0; i < FailedAttempts.MAX_FAILURES; i++) {
                assertThat(admin(guarded, "GET", "/-/admin/mode", "guess-" + i, null)
                                .statusCode())
                        .isEqualTo(401);
            }
            HttpResponse<String> limited = admin(guarded, "GET", "/-/admin/mode", TOKEN, null);
            assertThat(limited.statusCode())
                    .as("even the right token waits out the window")
                    .isEqualTo(429);
            assertThat(limited.headers().firstValueAsLong("Retry-After").orElse(0))
                    .isBetween(1L, 60L);
        }
    }

    @Test
    void aSwitchExpectingAStateChangedThroughAnotherRouterIsRefused409WithTheStateNowAndChangesNothing()
            throws Exception {
        admin(first, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"primary-down\",\"reason\":\"drill\"}");
        // A promotion freezes through the other router while the drill runs.
        admin(second, "PUT", "/-/admin/mode", TOKEN, "{\"mode\":\"frozen\",\"reason\":\"promotion\"}");

        HttpResponse<String> restore = admin(
                first,
                "PUT",
                "/-/admin/mode",
                TOKEN,
                "{\"mode\":\"normal\",\"expect\":{\"mode\":\"primary-down\",\"primaryUrl\":\"" + primary.url()
                        + "\"}}");
        HttpResponse<String> switchPrimary = admin(
                first,
                "PUT",
                "/-/admin/primary",
                TOKEN,
                "{\"url\":\"" + newPrimary.url() + "\",\"expect\":{\"mode\":\"frozen\",\"primaryUrl\":\""
                        + newPrimary.url() + "\"}}");

        assertThat(restore.statusCode()).as(restore.body()).isEqualTo(409);
        assertThat(restore.body())
                .contains("\"state\":{\"mode\":\"frozen\",\"reason\":\"promotion\",\"primaryUrl\":\"" + primary.url())
                .contains("not mode primary-down and primary " + primary.url());
        assertThat(switchPrimary.statusCode()).as(switchPrimary.body()).isEqualTo(409);
        assertThat(admin(second, "GET", "/-/admin/mode", TOKEN, null).body())
                .contains("\"mode\":\"frozen\"")
                .contains("\"primaryUrl\":\"" + primary.url() + "\"");
        // Expecting what it is (null: the configured primary) switches.
        HttpResponse<String> unfreeze = admin(
                first,
                "PUT",
                "/-/admin/mode",
                TOKEN,
                "{\"mode\":\"normal\",\"expect\":{\"mode\":\"frozen\",\"primaryUrl\":null}}");
        assertThat(unfreeze.statusCode()).as(unfreeze.body()).isEqualTo(200);
        assertThat(unfreeze.body()).contains("\"mode\":\"normal\"");
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
    void frozenRefusesPushesAndPushTokensWithThePromotionMessageOnEveryRouterWhileReadsAndPullTokensGoOn()
            throws Exception {
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
            HttpResponse<String> pushToken =
                    send(router, "GET", "/jwt/auth?service=x&scope=repository%3Aapp%3Apull%2Cpush");
            assertThat(pushToken.statusCode()).isEqualTo(503);
            assertThat(pushToken.body()).contains("writes are frozen for a planned promotion: moving to site B");
            assertThat(send(router, "GET", "/jwt/auth?service=x&scope=repository%3Aapp%3Apull")
                            .statusCode())
                    .as("a token request for a pull reaches the token service")
                    .isEqualTo(200);
            assertThat(send(router, "GET", "/jwt/auth?service=x").statusCode())
                    .as("a login")
                    .isEqualTo(200);
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

    @Test
    void afterThePrimaryIsSwitchedEveryRouterAnswersReadsFromItAndAfterTheSwitchBackFromTheReplica() throws Exception {
        admin(first, "PUT", "/-/admin/primary", TOKEN, "{\"url\":\"" + newPrimary.url() + "\"}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin(second, "GET", "/-/admin/primary", TOKEN, null)
                        .body()
                        .contains("\"primaryUrl\":\"" + newPrimary.url() + "\""));
        int replicaSaw = replica.seen().size();
        int newPrimarySaw = newPrimary.seen().size();

        // The replica holds what the configured primary had, not what the new one takes since.
        HttpResponse<String> tag = send(second, "GET", "/v2/app/manifests/1.0");
        HttpResponse<String> blob = send(second, "GET", "/v2/app/blobs/sha256:" + "a".repeat(64));

        assertThat(tag.headers().firstValue("X-Georeg-Source")).hasValue("primary");
        assertThat(blob.headers().firstValue("X-Georeg-Source")).hasValue("primary");
        assertThat(newPrimary.seen()).hasSize(newPrimarySaw + 2);
        assertThat(newPrimary.last().pathQuery()).isEqualTo("/v2/app/blobs/sha256:" + "a".repeat(64));
        assertThat(replica.seen().stream().skip(replicaSaw))
                .noneMatch(r -> r.pathQuery().startsWith("/v2/app/"));
        // What a promotion leaves: the site serves as its new primary, whole, with the replica
        // bypassed until it is adopted. Tried on main: "degraded":true, with "replica-binding":
        // "unreachable", for as long as the switched routers ran.
        HttpResponse<String> ready = send(second, "GET", "/-/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"degraded\":false", "\"replica-binding\":\"bypassed\"");

        // Back on the configured primary (a rollback): the replica answers reads again.
        admin(first, "PUT", "/-/admin/primary", TOKEN, "{\"url\":null}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "replica"
                        .equals(send(second, "GET", "/v2/app/manifests/1.0")
                                .headers()
                                .firstValue("X-Georeg-Source")
                                .orElse("")));
        assertThat(send(second, "GET", "/-/ready").body())
                .contains("\"degraded\":false", "\"replica-binding\":\"bound\"");
    }

    private static HttpResponse<String> admin(Router router, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(router.operatorUrl().resolve(path))
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
