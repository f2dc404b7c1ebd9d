package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token auth end to end: the primary (distribution 2.8) and the stand-in replica both use
 * distribution's {@code auth.token} with the test issuer's root bundle; the token endpoint is
 * the testkit's GitLab-style {@code /jwt/auth}. skopeo, with credentials, only ever talks to the
 * router: the realm it is sent to is the router's, its tokens come through the router, and the
 * pull of content the replica lacks falls back to the primary with the client's own token. While
 * writes are frozen for a planned promotion, token requests for pulls still reach the token
 * service, so the client pulls; its push is refused.
 */
class RouterTokenAuthIT {
    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static TestTokenEndpoint tokens;
    static Distribution primary;
    static Distribution replica;
    static Router router;
    static PrometheusRegistry metrics = new PrometheusRegistry();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String ADMIN_TOKEN = "router-token-it-admin-0123456789abcdef";

    @BeforeAll
    static void start() throws Exception {
        TestTokenIssuer issuer =
                TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "router-it-issuer", "router-it-registry");
        Path bundle = issuer.writeRootBundle(tmp.resolve("root.pem"));
        // OAuth2 password grants answered too: containerd's form POST.
        tokens = FIXTURES.add(TestTokenEndpoint.builder(issuer)
                .user("alice", "s3cret")
                .grant("alice", "*", "*", "pull", "push", "delete")
                .oauth2()
                .start());
        DistributionConfig.TokenAuth auth =
                new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle);
        primary = FIXTURES.distribution(tmp.resolve("primary"), config -> config.withTokenAuth(auth));
        replica = FIXTURES.distribution(tmp.resolve("replica"), config -> config.withTokenAuth(auth));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                tokens.realm(),
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withTimeouts(LoopbackRouter.quickChecks(Duration.ofMillis(500), Duration.ofSeconds(1)))
                        .withAdmin(new RouterConfig.Admin(ADMIN_TOKEN, Duration.ofMillis(100))),
                config -> new Router(config, null, metrics).start()));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void skopeoWithCredentialsPushesAndPullsSeeingOnlyTheRoutersHost() throws Exception {
        String host = "127.0.0.1:" + router.port();
        TestImage image = TestImages.image(303);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout"));
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home"));
        int tokensBefore = tokens.requests();

        Skopeo.Result push = pushAsAlice(skopeo, layout, "secure/app:v1").requireSuccess();
        Path back = tmp.resolve("pulled");
        Skopeo.Result pull = pullAsAlice(skopeo, "secure/app:v1", back).requireSuccess();

        assertPulled(image, back);
        assertThat(tokens.requests())
                .as("tokens were fetched through the router")
                .isGreaterThan(tokensBefore);
        for (Skopeo.Result r : new Skopeo.Result[] {push, pull}) {
            assertThat(r.output())
                    .contains(host)
                    .doesNotContain("127.0.0.1:" + primary.port())
                    .doesNotContain("127.0.0.1:" + replica.port())
                    .doesNotContain("127.0.0.1:" + tokens.realm().getPort());
        }
        // The replica had nothing: every read of the pull came from the primary, with alice's token.
        HttpResponse<String> scrape = HTTP.send(
                HttpRequest.newBuilder(router.operatorUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body())
                .containsPattern("georeg_router_fallbacks_total\\{outcome=\"primary\",route=\"manifest-read\"} [1-9]");
        assertThat(scrape.body())
                .containsPattern("georeg_router_fallbacks_total\\{outcome=\"primary\",route=\"blob-read\"} [1-9]");
    }

    @Test
    void anonymousClientIsChallengedWithTheRoutersRealmAndGetsNoToken() throws Exception {
        HttpResponse<String> challenge = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve("/v2/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(challenge.statusCode()).isEqualTo(401);
        assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("realm=\"http://127.0.0.1:" + router.port() + "/jwt/auth\"")
                .contains("service=\"router-it-registry\"");

        HttpResponse<String> push = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve("/v2/secure/app/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(push.statusCode()).isEqualTo(401);
        assertThat(push.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("realm=\"http://127.0.0.1:" + router.port() + "/jwt/auth\"")
                .contains("push");

        HttpResponse<String> token = HTTP.send(
                HttpRequest.newBuilder(router.localUrl()
                                .resolve("/jwt/auth?service=router-it-registry&scope=repository:secure/app:push"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).isEqualTo(401);
    }

    @Test
    void whileWritesAreFrozenForAPromotionAClientWithCredentialsStillPullsAndCannotPush() throws Exception {
        TestImage image = TestImages.image(304);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout-frozen"));
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home-frozen"));
        pushAsAlice(skopeo, layout, "secure/frozen:v1").requireSuccess();

        whileWritesAreFrozen("secure/frozen", () -> {
            String push = "/jwt/auth?service=router-it-registry&scope=repository:secure/frozen:pull,push";
            String pull = "/jwt/auth?service=router-it-registry&scope=repository:secure/frozen:pull";
            HttpResponse<String> pushToken = tokenRequest(push);
            assertThat(pushToken.body()).contains("writes are frozen for a planned promotion: moving to site B");
            assertThat(tokenRequest(pull).statusCode())
                    .as("a token for a pull comes from the token service")
                    .isEqualTo(200);

            Path back = tmp.resolve("pulled-frozen");
            pullAsAlice(skopeo, "secure/frozen:v1", back).requireSuccess();
            assertPulled(image, back);

            Skopeo.Result refused = pushAsAlice(skopeo, layout, "secure/frozen:v2");
            assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        });
    }

    /**
     * Tried: containerd's OAuth2 {@code POST} asking {@code pull,push} while writes are frozen. The
     * frozen check read the query only, where a {@code POST} has no scope: it went to the token
     * service and got a push token, where the same request as a {@code GET} is refused. The form is
     * now read before it is forwarded; a pull's {@code POST} still reaches the token service, its
     * form whole.
     */
    @Test
    void whileWritesAreFrozenAPasswordGrantToPushIsRefusedAndOneToPullReachesTheTokenServiceWhole() throws Exception {
        whileWritesAreFrozen("secure/form", () -> {
            HttpResponse<String> pushToken = passwordGrant("repository:secure/form:pull,push");
            assertThat(pushToken.statusCode()).as(pushToken.body()).isEqualTo(503);
            assertThat(pushToken.body()).contains("writes are frozen for a planned promotion: moving to site B");

            int asked = tokens.scopeRequests().size();
            HttpResponse<String> pullToken = passwordGrant("repository:secure/form:pull");
            assertThat(pullToken.statusCode()).as(pullToken.body()).isEqualTo(200);
            assertThat(pullToken.body()).contains("\"token\"");
            assertThat(tokens.scopeRequests()).hasSize(asked + 1);
            assertThat(tokens.scopeRequests().get(asked)).containsExactly("repository:secure/form:pull");
        });
    }

    /**
     * Tried: a form {@code POST} larger than {@code TokenRequest.MAX_FORM_BYTES} (alice's password
     * grant for a pull, padded by one more field), and one cut short (its {@code Content-Length}
     * promises more than the client sends before it stops sending). Each is answered {@code 403
     * DENIED} with the OCI error body saying what a form must be, and neither reaches the token
     * service; the same grant sent whole does.
     */
    @Test
    void aTokenFormTooLargeOrCutShortIsA403NotForwarded() throws Exception {
        String grant = "client_id=containerd-client&grant_type=password&password=s3cret"
                + "&scope=repository%3Asecure%2Foversized%3Apull&service=router-it-registry&username=alice";

        HttpResponse<String> tooLarge = postForm(TokenForms.tooLarge(grant));
        String cutShort = TokenForms.postCutShort(router.port(), grant);

        TokenForms.assertRefused(tooLarge.statusCode(), tooLarge.body());
        TokenForms.assertRefused(403, TokenForms.refusedBody(cutShort));
        assertThat(asked("repository:secure/oversized:pull"))
                .as("nothing forwarded")
                .isZero();
        HttpResponse<String> whole = postForm(grant);
        assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
        assertThat(asked("repository:secure/oversized:pull")).isEqualTo(1);
    }

    /** How many token requests the token service got for {@code scope} (its health probes ask for none). */
    private static long asked(String scope) {
        return tokens.scopeRequests().stream().filter(s -> s.contains(scope)).count();
    }

    /**
     * Tried: containerd's password grant for a pull whose form cannot be decoded (a bad percent
     * escape in its password) while writes are frozen. It counted as asking for nothing and went to
     * the token service, while a query that cannot be decoded counts as asking to write and is
     * refused: what such a request asks for cannot be told, so both are refused like a push's.
     */
    @Test
    void whileWritesAreFrozenATokenFormThatCannotBeDecodedIsRefusedLikeAPush() throws Exception {
        whileWritesAreFrozen("secure/form", () -> {
            HttpResponse<String> undecodable =
                    postForm("client_id=containerd-client&grant_type=password&password=s3%zzcret"
                            + "&scope=repository%3Asecure%2Fform%3Apull&service=router-it-registry&username=alice");

            assertThat(undecodable.statusCode()).as(undecodable.body()).isEqualTo(503);
            assertThat(undecodable.body()).contains("writes are frozen for a planned promotion: moving to site B");
        });
    }

    /** What a test checks while writes are frozen for a planned promotion. */
    @FunctionalInterface
    private interface WhileFrozen {
        void check() throws Exception;
    }

    /**
     * Freezes writes ("moving to site B"), waits until the router refuses a push token for {@code
     * repository} (the mode reaches it by notification), runs {@code check}, and thaws writes
     * again whether it passed or not.
     */
    private static void whileWritesAreFrozen(String repository, WhileFrozen check) throws Exception {
        assertThat(admin("{\"mode\":\"frozen\",\"reason\":\"moving to site B\"}"))
                .isEqualTo(200);
        try {
            String push = "/jwt/auth?service=router-it-registry&scope=repository:" + repository + ":pull,push";
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> tokenRequest(push).statusCode() == 503);
            check.check();
        } finally {
            assertThat(admin("{\"mode\":\"normal\"}")).isEqualTo(200);
        }
    }

    private static HttpResponse<String> postForm(String form) throws Exception {
        return TokenForms.post(router.port(), form);
    }

    /** alice's token request as containerd sends it: an OAuth2 password grant, its form in the body. */
    private static HttpResponse<String> passwordGrant(String scope) throws Exception {
        String form = "access_type=online&client_id=containerd-client&grant_type=password&password=s3cret"
                + "&scope=" + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8)
                + "&service=router-it-registry&username=alice";
        return postForm(form);
    }

    /** skopeo copies the layout's {@code v1} to {@code reference} through the router, with alice's credentials. */
    private static Skopeo.Result pushAsAlice(Skopeo skopeo, Path layout, String reference) {
        return skopeo.run(
                "--debug",
                "--insecure-policy",
                "copy",
                "--preserve-digests",
                "--dest-tls-verify=false",
                "--dest-creds",
                "alice:s3cret",
                "oci:" + layout + ":v1",
                "docker://127.0.0.1:" + router.port() + "/" + reference);
    }

    /** skopeo copies {@code reference} through the router into the layout {@code back} as {@code v1}, with alice's credentials. */
    private static Skopeo.Result pullAsAlice(Skopeo skopeo, String reference, Path back) {
        return skopeo.run(
                "--debug",
                "--insecure-policy",
                "copy",
                "--preserve-digests",
                "--src-tls-verify=false",
                "--src-creds",
                "alice:s3cret",
                "docker://127.0.0.1:" + router.port() + "/" + reference,
                "oci:" + back + ":v1");
    }

    private static void assertPulled(TestImage image, Path back) throws Exception {
        for (TestBlob blob : image.blobs()) {
            assertThat(Files.readAllBytes(
                            back.resolve("blobs/sha256/" + blob.digest().hex())))
                    .isEqualTo(blob.content());
        }
    }

    private static HttpResponse<String> tokenRequest(String pathAndQuery) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve(pathAndQuery))
                        .header(
                                "Authorization",
                                "Basic "
                                        + java.util.Base64.getEncoder()
                                                .encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int admin(String body) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(router.operatorUrl().resolve("/-/admin/mode"))
                                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                                .PUT(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
