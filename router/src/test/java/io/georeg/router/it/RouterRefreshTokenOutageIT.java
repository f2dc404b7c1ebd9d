package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.read.auth.TokenAuthenticator;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenVerifier;
import io.georeg.token.site.OutageTokenConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outage tokens for a client that holds a refresh token instead of a password: docker after
 * {@code docker login} against a token service that issues one (Docker Hub's, cesanta
 * docker_auth). Its login asks a {@code GET} with {@code offline_token=true&client_id=docker} and
 * keeps the answer's {@code refresh_token} as its identity token; every later pull asks an OAuth2
 * {@code POST} ({@code grant_type=refresh_token&refresh_token=…&client_id=docker&scope=…}) with no
 * password anywhere (distribution's {@code registry/client/auth/session.go}, {@code
 * fetchTokenWithOAuth}). The test replays those requests byte for byte against the real router:
 * the primary is distribution 2.8 with token auth, the token service the testkit's, issuing refresh
 * tokens; the replica is registry-read in the router's process with token auth trusting the site
 * key, holding team/app:v1. The methods run in order: learn while the token service answers, then
 * stand in once it is stopped, then see a revocation when it returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterRefreshTokenOutageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SITE_ISSUER = "refresh-outage-site";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static final PrometheusRegistry METRICS = new PrometheusRegistry();
    static final TestImage IMAGE = TestImages.image(2301);
    static TestTokenIssuer issuer;
    static TestTokenEndpoint tokens;
    static Router router;
    /** carol's identity token: what {@code docker login} stored in place of her password. */
    static String identityToken;

    @BeforeAll
    static void start() throws Exception {
        issuer =
                TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "refresh-outage-issuer", "refresh-outage-registry");
        Path bundle = issuer.writeRootBundle(tmp.resolve("root.pem"));
        tokens = FIXTURES.add(TestTokenEndpoint.builder(issuer)
                .user("carol", "c4rol-pass")
                .grant("carol", "team/*", "pull", "push")
                .oauth2()
                .start());
        TokenAuthConfig tokenAuth =
                new TokenAuthConfig(tokens.realm().toString(), issuer.service(), issuer.issuer(), bundle);
        Distribution primary = FIXTURES.distribution(
                tmp.resolve("primary"),
                config -> config.withTokenAuth(
                        new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle)));
        Database database = FIXTURES.database(DB);
        OutageTokenConfig site =
                new OutageTokenConfig(SITE_ISSUER, TestSiteKey.ec().privatePem(), null, null, null, null, 0);
        RouterFixtures.RegistryRead replica = FIXTURES.registryRead(database, tmp.resolve("replica-storage"));
        replica.replicate("team/app", "v1", IMAGE);
        RouterConfig.ReplicaEndpoint readsOutageTokens = replica.uncached(TokenAuthenticator.create(
                tokenAuth, new TokenVerifier.SiteTrust(SITE_ISSUER, site.trustedKeys()), Clock.systemUTC()));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                tokens.realm(),
                readsOutageTokens,
                config -> config.withTimeouts(
                                LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofMillis(500)))
                        .withOutageTokens(new RouterConfig.OutageTokens(tokenAuth, site)),
                config -> new Router(config, database.transactions(), METRICS).start()));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    /**
     * {@code docker login}, then the token requests of {@code docker pull team/app:v1}, through the
     * router while the token service answers: the login's refresh token, and the grant the refresh
     * grant got, are learned.
     */
    @Test
    @Order(1)
    void dockerLogsInOfflineAndPullsWithItsIdentityTokenWhileTheTokenServiceAnswers() throws Exception {
        double learned = metric("georeg_router_outage_grants_learned_total", "outcome=\"learned\"");

        identityToken = login();

        HttpResponse<String> pull = refreshGrant(identityToken, "repository:team/app:pull");

        assertThat(pull.statusCode()).as(pull.body()).isEqualTo(200);
        assertThat(pull.headers().firstValue("X-Georeg-Source")).hasValue("auth");
        await().atMost(WAIT)
                .until(() -> metric("georeg_router_outage_grants_learned_total", "outcome=\"learned\"") >= learned + 2);
        tokens.stop();
        await().atMost(WAIT).until(() -> metric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);
    }

    /**
     * Tried: docker's refresh grant while the token service is down. The shield read only
     * passwords, so docker after {@code docker login} could pull nothing through this site during
     * an outage. Its refresh grant now gets an outage token for what the primary granted it, for
     * the subject the primary's token named, and the pull reads the replica with it.
     */
    @Test
    @Order(2)
    void aLearnedRefreshTokenGetsAnOutageTokenThatPullsTheManifestAndBlobsFromTheReplica() throws Exception {
        HttpResponse<String> answer = refreshGrant(identityToken, "repository:team/app:pull");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("outage-token");
        assertThat(answer.body()).doesNotContain(identityToken);
        String token = JSON.readTree(answer.body()).path("token").asText();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertThat(claims.path("iss").asText()).isEqualTo(SITE_ISSUER);
        assertThat(claims.path("sub").asText()).isEqualTo("carol");
        assertThat(claims.path("access")).hasSize(1);
        assertThat(claims.path("access").path(0).path("name").asText()).isEqualTo("team/app");
        assertThat(claims.path("access").path(0).path("actions").toString()).isEqualTo("[\"pull\"]");

        HttpResponse<byte[]> manifest = read(token, "/v2/team/app/manifests/v1");
        assertThat(manifest.statusCode())
                .as(new String(manifest.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        assertThat(manifest.body()).isEqualTo(IMAGE.manifest().content());
        for (TestBlob blob : IMAGE.blobs()) {
            HttpResponse<byte[]> read = read(token, "/v2/team/app/blobs/" + blob.digest());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).isEqualTo(blob.content());
        }
    }

    /**
     * An unknown refresh token, and a learned one asking for a repository never granted to it, get
     * the shield's one 401, byte for byte a wrong password's: nothing tells which it was.
     */
    @Test
    @Order(3)
    void anUnknownRefreshTokenOrAScopeNeverGrantedGetsTheUsual401() throws Exception {
        HttpResponse<String> wrongPassword = HTTP.send(
                HttpRequest.newBuilder(URI.create(realm() + "?service=" + issuer.service() + "&scope="
                                + URLEncoder.encode("repository:team/app:pull", StandardCharsets.UTF_8)))
                        .header("Authorization", basic("carol:not-her-password"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknown = refreshGrant(identityToken + "-not-issued", "repository:team/app:pull");
        HttpResponse<String> neverGranted = refreshGrant(identityToken, "repository:team/other:pull");

        for (HttpResponse<String> refused : List.of(wrongPassword, unknown, neverGranted)) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
            assertThat(refused.body()).isEqualTo(wrongPassword.body());
            assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .isEqualTo(wrongPassword.headers().firstValue("WWW-Authenticate"));
        }
    }

    /** A refresh grant asking to push gets the write's 503, as a password's does, decided before the token is looked at. */
    @Test
    @Order(4)
    void aRefreshGrantAskingToPushGetsTheWrites503() throws Exception {
        HttpResponse<String> push = refreshGrant(identityToken, "repository:team/app:pull,push");

        assertThat(push.statusCode()).as(push.body()).isEqualTo(503);
        assertThat(push.headers().firstValue("WWW-Authenticate")).isEmpty();
        JsonNode error = JSON.readTree(push.body()).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.path("message").asText()).contains("pushes, deletes and logins need it");
    }

    /**
     * The token service returns, carol logs in again on another machine (a second refresh token,
     * learned with a pull), then the service revokes both: its 401 to the first token's refresh
     * grant, and OAuth2's {@code 400 invalid_grant} (RFC 6749 section 5.2) to the second's, delete
     * what the routers learned for each, so once it is down again the shield refuses both.
     */
    @Test
    @Order(5)
    void refreshTokensThePrimaryRefusesAreForgotten() throws Exception {
        tokens.restart();
        await().atMost(WAIT).until(() -> metric("georeg_router_circuit_open", "upstream=\"auth\"") == 0.0);
        String secondMachine = login();
        assertThat(refreshGrant(secondMachine, "repository:team/app:pull").statusCode())
                .isEqualTo(200);
        tokens.revokeRefreshTokens("carol");
        double revoked = metric("georeg_router_outage_grants_revoked_total");

        HttpResponse<String> unauthorized = refreshGrant(identityToken, "repository:team/app:pull");
        tokens.refuseRefreshGrantsWith(400);
        HttpResponse<String> invalidGrant = refreshGrant(secondMachine, "repository:team/app:pull");

        assertThat(unauthorized.statusCode()).as(unauthorized.body()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("X-Georeg-Source")).hasValue("auth");
        assertThat(invalidGrant.statusCode()).as(invalidGrant.body()).isEqualTo(400);
        assertThat(invalidGrant.body()).contains("invalid_grant");
        await().atMost(WAIT).until(() -> metric("georeg_router_outage_grants_revoked_total") == revoked + 2);
        tokens.stop();
        await().atMost(WAIT).until(() -> metric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);
        for (String forgotten : List.of(identityToken, secondMachine)) {
            HttpResponse<String> duringTheOutage = refreshGrant(forgotten, "repository:team/app:pull");
            assertThat(duringTheOutage.statusCode()).as(duringTheOutage.body()).isEqualTo(401);
            assertThat(duringTheOutage.headers().firstValue("X-Georeg-Source")).hasValue("outage-token");
        }
    }

    /** {@code docker login} through the router: a {@code GET} with {@code offline_token=true}; its refresh token. */
    private static String login() throws Exception {
        HttpResponse<String> login = HTTP.send(
                HttpRequest.newBuilder(URI.create(realm()
                                + "?account=carol&client_id=docker&offline_token=true&service=" + issuer.service()))
                        .header("Authorization", basic("carol:c4rol-pass"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        assertThat(login.headers().firstValue("X-Georeg-Source")).hasValue("auth");
        String refreshToken = JSON.readTree(login.body()).path("refresh_token").asText();
        assertThat(refreshToken).isNotEmpty();
        return refreshToken;
    }

    /** docker's refresh grant for {@code scope}, as its token handler posts it (fetchTokenWithOAuth). */
    private static HttpResponse<String> refreshGrant(String refreshToken, String scope) throws Exception {
        String form = "client_id=docker&grant_type=refresh_token&refresh_token="
                + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8)
                + "&service=" + URLEncoder.encode(issuer.service(), StandardCharsets.UTF_8);
        return TokenForms.post(router.port(), form);
    }

    private static HttpResponse<byte[]> read(String token, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
                        .header("Authorization", "Bearer " + token)
                        .header("Accept", IMAGE.manifest().mediaType())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The token endpoint the router serves (the realm its challenges name). */
    private static String realm() {
        return "http://127.0.0.1:" + router.port() + TestTokenEndpoint.PATH;
    }

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static double metric(String name, String... labels) throws Exception {
        return MetricsScrape.sum(HTTP, router.operatorUrl().resolve("/metrics"), name, labels);
    }
}
