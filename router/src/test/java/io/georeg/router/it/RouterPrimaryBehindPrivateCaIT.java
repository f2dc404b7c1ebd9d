package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.egress.PrimaryEgress;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tls.TestCa;
import io.georeg.testkit.tools.ConnectProxy;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in front of a primary served over HTTPS with a certificate of a private CA (made for
 * the test): with {@code primary.caBundle} and {@code primary.proxy} a push through the router
 * reaches the primary, every connection to it through the forward proxy and none to the replica;
 * a proxy that asks for an account gets {@code primary.proxyUsername}'s up front, and a primary
 * {@code primary.noProxy} names is reached directly; without the bundle pushes are refused with
 * the 503 that names the key to set.
 */
class RouterPrimaryBehindPrivateCaIT {
    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static TestCa ca;
    static Distribution primary;
    static Distribution replica;
    static ConnectProxy proxy;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        ca = TestCa.create();
        primary = FIXTURES.distribution(
                tmp.resolve("primary"), config -> config.withTls(DistributionConfig.Tls.of(ca, tmp.resolve("tls"))));
        replica = FIXTURES.distribution(tmp.resolve("replica"));
        proxy = FIXTURES.add(ConnectProxy.start());
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    private static Router router(PrimaryEgress egress) throws Exception {
        return LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withTimeouts(LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofSeconds(1)))
                        .withEgress(egress),
                LoopbackRouter.WITHOUT_DATABASE);
    }

    @Test
    void withoutTheBundlePushesAreRefusedNamingTheKey() throws Exception {
        try (Router router = router(PrimaryEgress.DIRECT)) {
            HttpRequest upload = HttpRequest.newBuilder(router.localUrl().resolve("/v2/tls/app/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build();
            await("the push refused with the reason")
                    .atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> {
                        HttpResponse<String> r = HTTP.send(upload, HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).isEqualTo(503);
                        assertThat(r.body())
                                .contains("UNAVAILABLE")
                                .contains("not trusted")
                                .contains("set primary.caBundle");
                    });
        }
    }

    @Test
    void withTheBundleAndTheProxyAPushThroughTheRouterReachesThePrimaryThroughTheProxy() throws Exception {
        try (Router router = router(new PrimaryEgress(caBundle(), URI.create(proxy.url())))) {
            pushAndFindOnThePrimary(router, 707);

            assertThat(proxy.tunnelsTo(primary.hostPort()))
                    .as("connections to the primary through the proxy")
                    .isPositive();
            assertThat(proxy.tunnels())
                    .as("the replica is this site's own: never through the proxy")
                    .allMatch(primary.hostPort()::equals);
        }
    }

    @Test
    void aProxyThatAsksForAnAccountGetsItUpFront() throws Exception {
        try (ConnectProxy asking = ConnectProxy.requiringAccount("georeg", "proxy-password-2");
                Router router = router(new PrimaryEgress(caBundle(), URI.create(asking.url()))
                        .withProxyAccount("georeg", "proxy-password-2"))) {
            pushAndFindOnThePrimary(router, 708);

            assertThat(asking.tunnelsTo(primary.hostPort())).isPositive();
            assertThat(asking.refused())
                    .as("CONNECTs without the account (the router answers no 407 itself)")
                    .isZero();
        }
    }

    @Test
    void withoutTheAccountTheProxyAsksForPushesAreRefused() throws Exception {
        try (ConnectProxy asking = ConnectProxy.requiringAccount("georeg", "proxy-password-3");
                Router router = router(new PrimaryEgress(caBundle(), URI.create(asking.url())))) {
            HttpRequest upload = HttpRequest.newBuilder(router.localUrl().resolve("/v2/tls/app/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build();
            await("the push refused").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                HttpResponse<String> r = HTTP.send(upload, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                // the 503 names the settings that would let the proxy admit the router
                assertThat(r.body())
                        .contains("UNAVAILABLE")
                        .contains("407")
                        .contains("primary.proxyUsername")
                        .contains("primary.proxyPassword");
            });
            assertThat(asking.refused()).isPositive();
            assertThat(asking.tunnels()).isEmpty();
        }
    }

    @Test
    void aPrimaryNoProxyNamesIsReachedDirectly() throws Exception {
        try (ConnectProxy bypassed = ConnectProxy.start();
                Router router = router(new PrimaryEgress(caBundle(), URI.create(bypassed.url()))
                        .withNoProxy(List.of("registry.corp.example", "127.0.0.1")))) {
            pushAndFindOnThePrimary(router, 709);

            assertThat(bypassed.tunnels()).as("tunnels through the proxy").isEmpty();
        }
    }

    private static Path caBundle() {
        return ca.writeCaBundle(tmp.resolve("primary-ca.pem"));
    }

    /** Pushes a test image through the router with skopeo and reads its manifest on the primary. */
    private static void pushAndFindOnThePrimary(Router router, int seed) throws Exception {
        TestImage image = TestImages.image(seed);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout-" + seed));
        String repository = "tls/app-" + seed;
        Skopeo.require()
                .withHome(tmp.resolve("skopeo-home"))
                .run(
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":v1",
                        "docker://127.0.0.1:" + router.port() + "/" + repository + ":v1")
                .requireSuccess();

        try (HttpClient trusting =
                HttpClient.newBuilder().sslContext(ca.clientContext()).build()) {
            HttpResponse<byte[]> onPrimary = trusting.send(
                    HttpRequest.newBuilder(primary.url().resolve("/v2/" + repository + "/manifests/v1"))
                            .header("Accept", image.manifest().mediaType())
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(onPrimary.statusCode()).isEqualTo(200);
            assertThat(onPrimary.body()).isEqualTo(image.manifest().content());
        }
    }
}
