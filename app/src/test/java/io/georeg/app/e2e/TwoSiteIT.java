package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-site product end to end, with real parts only ({@link TwoSites}): the primary is Debian's
 * {@code docker-registry} (distribution 2.8) with token auth, its tokens signed by the testkit's
 * GitLab-style {@code /jwt/auth} and its notifications sent to georeg's replicator intake with the
 * shared secret; georeg is one {@code georeg serve} process shape ({@link GeoregServer} with
 * registry-read, replicator and router, the router hosting registry-read in process); the client
 * is {@code skopeo} with credentials, talking only to the router's URL.
 *
 * <p>The 1 GiB layer pushed and pulled through a router with {@code -Xmx256m} is the router's own
 * {@code RouterMemoryIT} (same router, same proxy path), not repeated here to keep this class short.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoSiteIT {
    private static final String USER = TwoSites.USER;
    private static final String PASSWORD = TwoSites.PASSWORD;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static TestTokenIssuer issuer;
    static TestTokenEndpoint tokens;
    static Distribution primary;
    static GeoregServer georeg;
    static Skopeo skopeo;
    static String router;
    static Path layouts;
    static CompatibilityMatrix.Results matrix;

    @BeforeAll
    static void startBothSites() throws Exception {
        skopeo = Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "skopeo", Skopeo.version(), "distribution " + Distribution.version(), TwoSiteIT.class);
        // Never replicated: the pulls of this repository are always fallbacks to the primary.
        sites = new TwoSites(
                DB, tmp, TwoSites.Shape.ONE_PROCESS, Map.of("GEOREG_REPLICATOR_SYNC_EXCLUDE", "unreplicated/*"));
        issuer = sites.issuer;
        tokens = sites.tokens;
        primary = sites.primary;
        georeg = sites.front;
        router = sites.routerHostPort();

        layouts = CorpusLayouts.write(tmp.resolve("layouts")).root();
    }

    @AfterAll
    static void stop() throws Exception {
        if (sites != null) {
            sites.close();
        }
        if (matrix != null) {
            matrix.finish();
        }
    }

    @Test
    @Order(1)
    void pushThroughTheRouterIsPulledBackAtOnce() throws Exception {
        Digest pushed = push("library/alpine", "3.19", "e2e/alpine:3.19");

        Path back = pull("e2e/alpine:3.19");

        assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                .isEqualTo(pushed);
        matrix.verified("push with credentials (`copy --dest-creds`), pulled back at once (read-your-writes)");
    }

    @Test
    @Order(2)
    void replicatedPullIsServedByTheLocalReplica() throws Exception {
        // Through the router: its fence sends the tag's reads to the primary only until the replica
        // shows the push. The first read after replication checks the replica and clears the
        // fence (a check that runs out of router.timeouts.healthTimeout on a loaded machine
        // leaves it for the next read), and from then on the pull is local.
        Digest pushed = push("big/layer", "100m", "e2e/app:1.0");
        awaitReplicated("e2e/app", "1.0", pushed);
        await().atMost(Duration.ofSeconds(90))
                .until(() -> get("/v2/e2e/app/manifests/1.0", pullToken("e2e/app"))
                        .headers()
                        .firstValue("X-Georeg-Source")
                        .equals(Optional.of("replica")));
        double before =
                routerCounter("georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\"");

        Path back = pull("e2e/app:1.0");

        assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                .isEqualTo(pushed);
        assertThat(routerCounter("georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\""))
                .isGreaterThan(before);
        HttpResponse<byte[]> raw = get("/v2/e2e/app/manifests/1.0", pullToken("e2e/app"));
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(Digest.sha256(raw.body())).isEqualTo(pushed);
        matrix.verified("pull with credentials of an OCI image, replicated: served by the replica");
    }

    @Test
    @Order(3)
    void pullOfContentNotReplicatedFallsBackToThePrimaryWithTheClientsToken() throws Exception {
        // Straight to the primary (no read-your-writes fence at the router), into an excluded repository.
        Digest pushed = push("library/alpine", "latest", "unreplicated/alpine:latest", primary.hostPort());
        double before =
                routerCounter("georeg_router_fallbacks_total", "route=\"manifest-read\"", "outcome=\"primary\"");

        HttpResponse<byte[]> raw = get("/v2/unreplicated/alpine/manifests/latest", pullToken("unreplicated/alpine"));
        Path back = pull("unreplicated/alpine:latest");

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                .isEqualTo(pushed);
        assertThat(routerCounter("georeg_router_fallbacks_total", "route=\"manifest-read\"", "outcome=\"primary\""))
                .isGreaterThan(before);
        matrix.verified("pull with credentials of an OCI image not yet replicated: answered by the primary "
                + "through the router (fallback)");
    }

    @Test
    @Order(4)
    void overwrittenTagIsPulledWithItsNewDigestAtOnce() throws Exception {
        Digest first = push("library/alpine", "3.19", "e2e/moving:stable");
        awaitReplicated("e2e/moving", "stable", first);

        Digest second = push("big/layer", "100m", "e2e/moving:stable");
        Path back = pull("e2e/moving:stable");

        assertThat(second).isNotEqualTo(first);
        assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                .isEqualTo(second);
    }

    @Test
    @Order(5)
    void multiArchIndexIsPushedAndPulledWithEveryPlatform() throws Exception {
        Path layout = layouts.resolve("team/multiarch");
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--preserve-digests",
                                "--dest-tls-verify=false",
                                "--dest-creds",
                                USER + ":" + PASSWORD,
                                "oci:" + layout + ":v1",
                                "docker://" + router + "/e2e/multi:v1"),
                        Duration.ofMinutes(1))
                .requireSuccess();
        Digest index = Digest.sha256(TwoSites.rawManifest(layout, "v1"));

        Path atOnce = tmp.resolve("multi-at-once");
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--src-tls-verify=false",
                                "--src-creds",
                                USER + ":" + PASSWORD,
                                "docker://" + router + "/e2e/multi:v1",
                                "dir:" + atOnce),
                        Duration.ofMinutes(1))
                .requireSuccess();
        awaitReplicated("e2e/multi", "v1", index);
        Path replicated = tmp.resolve("multi-replicated");
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--src-tls-verify=false",
                                "--src-creds",
                                USER + ":" + PASSWORD,
                                "docker://" + router + "/e2e/multi:v1",
                                "dir:" + replicated),
                        Duration.ofMinutes(1))
                .requireSuccess();

        for (Path back : List.of(atOnce, replicated)) {
            assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                    .isEqualTo(index);
            // dir: keeps each platform's manifest beside the index: both children came back.
            try (var files = Files.list(back)) {
                assertThat(files.filter(f -> f.getFileName().toString().endsWith(".manifest.json"))
                                .count())
                        .isEqualTo(2);
            }
        }
        matrix.verified("push and pull (`copy --all`) of a multi-arch OCI index with every platform, before and "
                + "after replication");
    }

    @Test
    @Order(6)
    void withThePrimaryStoppedReplicatedPullsWorkAndPushesGetAClear503Quickly() throws Exception {
        Digest replicated = push("big/layer", "100m", "e2e/outage:1.0");
        awaitReplicated("e2e/outage", "1.0", replicated);
        // Token requests need the primary site too: the client holds its token from before the outage.
        String pullToken = pullToken("e2e/outage");
        String pushToken = token("repository:e2e/outage:pull,push");
        primary.stop();
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> routerCounter("georeg_router_circuit_open", "upstream=\"primary\"") == 1.0);

            Path back = tmp.resolve("outage-pull");
            skopeo.run(
                            List.of(
                                    "copy",
                                    "--src-tls-verify=false",
                                    "--src-registry-token",
                                    pullToken,
                                    "docker://" + router + "/e2e/outage:1.0",
                                    "dir:" + back),
                            Duration.ofMinutes(1))
                    .requireSuccess();
            HttpResponse<String> push = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://" + router + "/v2/e2e/outage/blobs/uploads/"))
                            .header("Authorization", "Bearer " + pushToken)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                    .isEqualTo(replicated);
            // Quickly, without a clock: "the primary site is unreachable" is the open circuit's
            // answer, given before any attempt to reach the primary (a failed attempt says otherwise).
            assertThat(push.statusCode()).isEqualTo(503);
            assertThat(push.body()).contains("UNAVAILABLE").contains("primary site is unreachable");
        } finally {
            primary.restart();
        }
    }

    @Test
    @Order(7)
    void everyComponentPortAnswersHealthReadinessMetricsAndTheRouterTheStatusPageOnItsOperatorListener()
            throws Exception {
        List<URI> ports = new ArrayList<>(List.of(
                georeg.component(RegistryReadComponent.class).uri(),
                georeg.component(ReplicatorComponent.class).uri(),
                georeg.component(RouterComponent.class).operatorUri()));
        for (URI port : ports) {
            for (String path : List.of("/-/health", "/-/ready", "/metrics")) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> HTTP.send(
                                                HttpRequest.newBuilder(port.resolve(path))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200);
            }
            // One registry per process: any port shows every component's metrics.
            String metrics = HTTP.send(
                            HttpRequest.newBuilder(port.resolve("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics)
                    .contains("georeg_router_requests_total")
                    .contains("georeg_replication_")
                    // registry-read's own requests: the replicated pulls of the tests before this one
                    .containsPattern(
                            "georeg_read_requests_total\\{endpoint=\"manifest\",method=\"GET\",status=\"200\"} [1-9]")
                    .contains("georeg_read_request_duration_seconds_bucket{endpoint=\"blob\"")
                    .containsPattern("georeg_read_sent_bytes_total\\{endpoint=\"blob\"} [1-9]")
                    // Jetty, HikariCP and the JVM, through the same registry
                    .containsPattern(
                            "org_eclipse_jetty_util_thread_QueuedThreadPool_size\\{listener=\"registry-read\"} [1-9]")
                    .contains("org_eclipse_jetty_util_thread_QueuedThreadPool_utilization_max{listener=\"router\"}")
                    .contains("org_eclipse_jetty_server_HttpConnectionFactory_active_connections"
                            + "{listener=\"replicator\"}")
                    .containsPattern("hikaricp_max_connections\\{pool=\"georeg-db\"} [1-9]")
                    .contains("hikaricp_pending_threads{pool=\"georeg-db\"}")
                    .contains("jvm_memory_used_bytes{area=\"heap\"}")
                    .contains("jvm_threads_current");
        }
        for (URI port : List.of(
                georeg.component(RouterComponent.class).operatorUri(),
                georeg.component(ReplicatorComponent.class).uri())) {
            HttpResponse<String> status = HTTP.send(
                    HttpRequest.newBuilder(port.resolve("/-/status.json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(status.body()).isObject()).isTrue();
            assertThat(HTTP.send(
                                    HttpRequest.newBuilder(port.resolve("/-/status"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body())
                    .contains("<html");
        }
        // The one public URL: the registry API, the token route and health; nothing an operator reads.
        URI publicUrl = georeg.component(RouterComponent.class).uri();
        assertThat(HTTP.send(
                                HttpRequest.newBuilder(publicUrl.resolve("/-/health"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(200);
        for (String path : List.of("/-/status", "/-/status.json", "/metrics", "/-/admin/mode")) {
            assertThat(HTTP.send(
                                    HttpRequest.newBuilder(publicUrl.resolve(path))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .as("public " + path)
                    .isEqualTo(404);
        }
    }

    /** Pushes a corpus layout's tag through the router with credentials; returns the manifest digest. */
    private static Digest push(String layoutRepository, String tag, String destination) throws Exception {
        return push(layoutRepository, tag, destination, router);
    }

    private static Digest push(String layoutRepository, String tag, String destination, String registry)
            throws Exception {
        return sites.push(layouts.resolve(layoutRepository), tag, registry, destination);
    }

    private static Path pull(String reference) throws Exception {
        return sites.pull(skopeo, Files.createTempDirectory(tmp, "pull"), reference);
    }

    private static byte[] rawManifest(Path layout, String tag) throws Exception {
        return TwoSites.rawManifest(layout, tag);
    }

    private static void awaitReplicated(String repository, String tag, Digest digest) {
        sites.awaitReplicated(repository, tag, digest);
    }

    private static HttpResponse<byte[]> get(String path, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + path))
                        .header("Authorization", "Bearer " + token)
                        .header(
                                "Accept",
                                "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String pullToken(String repository) throws Exception {
        return token("repository:" + repository + ":pull");
    }

    private static String token(String scope) throws Exception {
        return sites.token(scope);
    }

    private static double routerCounter(String name, String... labels) throws Exception {
        return sites.routerMetric(name, labels);
    }
}
