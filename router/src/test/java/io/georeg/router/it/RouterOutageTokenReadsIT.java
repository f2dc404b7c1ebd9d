package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.site.OutageTokenConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's outage shield ({@code auth.outage}) while only the primary's token service is down
 * and its registry answers: the primary is distribution 2.8 with token auth, the token service the
 * testkit's {@code /jwt/auth}, stopped once the shield has learned alice's grant; the replica is a
 * scripted upstream, so that it can fail (5xx) and report itself unready on demand. A read with
 * one of the site's outage tokens must never be sent to the primary, which refuses the token (its
 * 401 sends the client back to the router for another outage token, in a loop): the router
 * answers it, and counts it as what it is.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterOutageTokenReadsIT {
    private static final String MANIFEST = "/v2/team/app/manifests/v1";
    private static final String BACKEND_FAILED =
            "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"the replica's backend\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ADMIN_TOKEN = "outage-reads-admin-token-0123456789abcdef";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static TestTokenIssuer issuer;
    static TestTokenEndpoint tokens;
    static FakeUpstream replica;
    static Router router;
    static URI primaryUrl;
    static final PrometheusRegistry METRICS = new PrometheusRegistry();

    @BeforeAll
    static void start() throws Exception {
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "outage-reads-issuer", "outage-reads-registry");
        Path bundle = issuer.writeRootBundle(tmp.resolve("root.pem"));
        tokens = FIXTURES.add(TestTokenEndpoint.builder(issuer)
                .user("alice", "s3cret")
                .grant("alice", "team/*", "pull", "push")
                .user("bob", "b0b-pass")
                .grant("bob", "team/*", "pull")
                .oauth2()
                .start());
        Distribution primary = FIXTURES.distribution(
                tmp.resolve("primary"),
                config -> config.withTokenAuth(
                        new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle)));
        primaryUrl = primary.url();
        replica = FIXTURES.fakeUpstream();
        Database database = FIXTURES.database(DB);
        RouterConfig.OutageTokens outage = new RouterConfig.OutageTokens(
                new TokenAuthConfig(tokens.realm().toString(), issuer.service(), issuer.issuer(), bundle),
                new OutageTokenConfig("outage-reads-site", TestSiteKey.ec().privatePem(), null, null, null, null, 0));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                tokens.realm(),
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withTimeouts(
                                LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofMillis(500)))
                        .withOutageTokens(outage)
                        .withAdmin(new RouterConfig.Admin(ADMIN_TOKEN, Duration.ofMillis(100))),
                config -> new Router(config, database.transactions(), METRICS).start()));

        // alice pulls through the router while the token service answers: the shield learns her grant.
        HttpResponse<String> fromTheTokenService = token("repository:team/app:pull");
        assertThat(fromTheTokenService.statusCode())
                .as(fromTheTokenService.body())
                .isEqualTo(200);
        assertThat(fromTheTokenService.headers().firstValue("X-Georeg-Source")).hasValue("auth");
        // bob's client is containerd: an OAuth2 password grant, his credentials in the form.
        HttpResponse<String> bobsPost = bobsPasswordGrant();
        assertThat(bobsPost.statusCode()).as(bobsPost.body()).isEqualTo(200);
        assertThat(bobsPost.headers().firstValue("X-Georeg-Source")).hasValue("auth");
        tokens.stop();
        await().atMost(WAIT).until(() -> metric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    /**
     * Tried: the replica failing (503) a read with an outage token. It stood, as it should (the
     * primary refuses the token), but was counted {@code outcome="primary-unreachable"} while the
     * primary's registry answered all along: an alert on that outcome told the operator the wrong
     * site was down.
     */
    @Test
    @Order(1)
    void aReplicaFailureWithAnOutageTokenStandsAndIsCountedAsTheOutageTokensNotThePrimarys() throws Exception {
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));
        double outageToken = fallbacks("outage-token");
        double primaryUnreachable = fallbacks("primary-unreachable");

        HttpResponse<String> read = read(outageToken());

        assertThat(read.statusCode()).as(read.body()).isEqualTo(503);
        assertThat(read.body()).isEqualTo(BACKEND_FAILED);
        assertThat(fallbacks("outage-token")).isEqualTo(outageToken + 1);
        assertThat(fallbacks("primary-unreachable")).isEqualTo(primaryUnreachable);
    }

    /**
     * Tried: a read with an outage token while the replica is unavailable (its readiness fails). It
     * went to the primary, whose 401 to the outage token sent the client back for another one, in a
     * loop that ends with the client saying the credentials are wrong.
     */
    @Test
    @Order(2)
    void aReadWithAnOutageTokenWhileTheReplicaIsUnavailableIsA503SayingWhyNotSentToThePrimary() throws Exception {
        String token = outageToken();
        replica.ready(false);
        try {
            await().atMost(WAIT).until(() -> metric("georeg_router_circuit_open", "upstream=\"replica\"") == 1.0);
            double outageTokenBefore = fallbacks("outage-token");

            HttpResponse<String> read = read(token);

            assertNotAskedOfPrimary(
                    read, "team/app:v1 cannot be read from this site's replica now (replica circuit open)");
            assertThat(fallbacks("outage-token")).isEqualTo(outageTokenBefore + 1);
        } finally {
            replica.ready(true);
        }
    }

    /**
     * Tried: containerd's OAuth2 {@code POST} (credentials in the form, no Basic header). The shield
     * read Basic credentials and query scopes only: the grant the token service gave bob's {@code
     * POST} was never learned, and during the outage his {@code POST} counted as anonymous (401).
     */
    @Test
    @Order(3)
    void anOAuth2PasswordGrantIsLearnedAndAnsweredForItsUserNeverAsAnonymous() throws Exception {
        HttpResponse<String> bobs = bobsPasswordGrant();

        assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(200);
        assertThat(bobs.headers().firstValue("X-Georeg-Source")).hasValue("outage-token");
        String[] claims = JSON.readTree(bobs.body()).path("token").asText().split("\\.");
        JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(claims[1]));
        assertThat(payload.path("sub").asText()).isEqualTo("bob");
        assertThat(payload.path("access").toString())
                .contains("\"name\":\"team/lib\"")
                .contains("\"pull\"");
        HttpResponse<String> anonymous = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + TestTokenEndpoint.PATH
                                + "?service=" + issuer.service() + "&scope=repository:team/lib:pull"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    }

    /**
     * Tried: a push's token request ({@code pull,push}) while only the token service is down. The
     * shield refused it 401, which clients show as a wrong password.
     */
    @Test
    @Order(4)
    void aTokenRequestToPushIsTheWritesOwn503NotACredentialsError() throws Exception {
        HttpResponse<String> push = token("repository:team/app:pull,push");

        assertThat(push.statusCode()).as(push.body()).isEqualTo(503);
        assertThat(push.headers().firstValue("WWW-Authenticate")).isEmpty();
        JsonNode error = JSON.readTree(push.body()).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.path("message").asText())
                .startsWith("the primary site is unreachable")
                .contains("pushes, deletes and logins need it");
        assertThat(metric("georeg_router_outage_tokens_refused_total", "reason=\"write\""))
                .isEqualTo(1.0);
    }

    /**
     * Tried: a read with an outage token while read-your-writes is bypassed after a promotion (the
     * primary switched, the replica holding the old one's content: every read goes to the primary).
     * It went to the primary, whose 401 to the outage token sent the client back for another one,
     * in the loop of the two reads above. The switch here names the same registry by another host,
     * so the replica is bypassed while the primary stays the one that refuses outage tokens.
     */
    @Test
    @Order(5)
    void aReadWithAnOutageTokenWhileTheReplicaIsBypassedIsA503SayingWhyNotSentToThePrimary() throws Exception {
        String token = outageToken();
        URI primaryByName = URI.create("http://localhost:" + primaryUrl.getPort());
        assertThat(admin("PUT", "/-/admin/primary", "{\"url\":\"" + primaryByName + "\"}")
                        .statusCode())
                .isEqualTo(200);
        try {
            await().atMost(WAIT).until(() -> metric("georeg_router_replica_bypassed") == 1.0);

            HttpResponse<String> read = read(token);

            // The words of a read while the replica is unavailable (test 2): one wording.
            assertNotAskedOfPrimary(
                    read, "team/app:v1 cannot be read from this site's replica now (replica bypassed after the");
            assertThat(read.headers().firstValue("WWW-Authenticate")).isEmpty();
        } finally {
            admin("PUT", "/-/admin/primary", "{\"url\":null}");
        }
    }

    /**
     * A form too large, or cut short, while the shield stands in: bob's password grant, which the
     * shield answers with an outage token when it is sent whole (test 3), is answered {@code 403
     * DENIED} by the token route, which never hands it to the shield: no outage token is issued,
     * nothing refused as credentials.
     */
    @Test
    @Order(6)
    void aTokenFormTooLargeOrCutShortIsA403TheShieldNeverReads() throws Exception {
        double issued = metric("georeg_router_outage_tokens_issued_total");
        double refused = metric("georeg_router_outage_tokens_refused_total");

        HttpResponse<String> tooLarge = post(TokenForms.tooLarge(bobsForm()));
        String cutShort = TokenForms.postCutShort(router.port(), bobsForm());

        TokenForms.assertRefused(tooLarge.statusCode(), tooLarge.body());
        TokenForms.assertRefused(403, TokenForms.refusedBody(cutShort));
        assertThat(metric("georeg_router_outage_tokens_issued_total")).isEqualTo(issued);
        assertThat(metric("georeg_router_outage_tokens_refused_total")).isEqualTo(refused);
    }

    /** The 503 of a read the primary is not asked because it refuses the outage token. */
    private static void assertNotAskedOfPrimary(HttpResponse<String> read, String start) throws Exception {
        assertThat(read.statusCode()).as(read.body()).isEqualTo(503);
        JsonNode error = JSON.readTree(read.body()).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.path("message").asText())
                .startsWith(start)
                .contains("the primary cannot be asked with this site's outage token");
    }

    /** bob's {@code POST} to the router's token endpoint as containerd 1.6 sends it. */
    private static HttpResponse<String> bobsPasswordGrant() throws Exception {
        return post(bobsForm());
    }

    /** bob's password grant for a pull of team/lib, as containerd 1.6 sends it. */
    private static String bobsForm() {
        return "access_type=online&client_id=containerd-client&grant_type=password&password=b0b-pass"
                + "&scope=" + URLEncoder.encode("repository:team/lib:pull", StandardCharsets.UTF_8)
                + "&service=" + URLEncoder.encode(issuer.service(), StandardCharsets.UTF_8) + "&username=bob";
    }

    private static HttpResponse<String> post(String form) throws Exception {
        return TokenForms.post(router.port(), form);
    }

    /** An outage token for alice's pull of team/app, from the shield. */
    private static String outageToken() throws Exception {
        HttpResponse<String> answer = token("repository:team/app:pull");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("outage-token");
        return JSON.readTree(answer.body()).path("token").asText();
    }

    private static HttpResponse<String> token(String scope) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + TestTokenEndpoint.PATH
                                + "?service=" + issuer.service() + "&scope="
                                + URLEncoder.encode(scope, StandardCharsets.UTF_8)))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> read(String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + MANIFEST))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(router.operatorUrl().resolve(path))
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double fallbacks(String outcome) throws Exception {
        return metric("georeg_router_fallbacks_total", "outcome=\"" + outcome + "\"", "route=\"manifest-read\"");
    }

    private static double metric(String name, String... labels) throws Exception {
        return MetricsScrape.sum(HTTP, router.operatorUrl().resolve("/metrics"), name, labels);
    }
}
