package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.router.LocalBackends;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.router.fence.FenceStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary that hangs — accepts connections, reads the requests, never answers, as a hung process
 * or a black-holed network does — with requests already sent to it: once the router's probes find
 * it down, those that have no answer yet are answered as a request routed then would be (a read
 * the replica holds from the replica, a miss and a push with the router's outage 503), and an
 * answer whose body stopped coming ends with its connection closed; none waits for the idle
 * timeout (5 min here, as by default). The replica is the real registry-read in the router's
 * process over PostgreSQL; the primary a {@link HangingPrimary}. The router finds a dead primary in
 * 3 probes of at most 1 s, 0.3 s apart: the test's requests are sent before that, and each is
 * allowed {@link #WITHIN}, far less than the idle timeout.
 */
class RouterHangingPrimaryIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    /** How long a request caught by the hang may take in all: detection, plus a probe or two. */
    static final Duration WITHIN = Duration.ofSeconds(30);

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Database database;
    static RouterFixtures.RegistryRead replica;
    static HangingPrimary primary;
    static Router router;
    /** Whether the router takes the tracking database for available ({@link LocalBackends}). */
    static final AtomicBoolean TRACKING_DATABASE_UP = new AtomicBoolean(true);

    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        database = FIXTURES.database(DB);
        replica = FIXTURES.registryRead(database, tmp.resolve("replica-storage"));
        primary = FIXTURES.add(new HangingPrimary());
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                null,
                replica.uncached(),
                config -> config.withTimeouts(new RouterConfig.Timeouts(
                                Duration.ofSeconds(1),
                                RouterConfig.Timeouts.defaults().idle(),
                                Duration.ofMillis(300),
                                RouterConfig.Timeouts.defaults().healthTimeout()))
                        .withAccessLog(new RouterConfig.AccessLog(
                                RouterConfig.AccessLog.Mode.ALL, 1, tmp.resolve("access.log"), 16384)),
                c -> new Router(
                                c,
                                database.transactions(),
                                new PrometheusRegistry(),
                                Router.Wiring.NONE.withBackends(new LocalBackends(TRACKING_DATABASE_UP::get, null)))
                        .start()));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @BeforeEach
    void primaryAnswers() {
        TRACKING_DATABASE_UP.set(true);
        primary.answer();
        await().atMost(Duration.ofSeconds(30)).until(() -> router.primaryReachable() && router.replicaReachable());
    }

    @Test
    void pinnedReadWaitingOnAHungPrimaryIsServedByTheReplicaOnceThePrimaryIsFoundDown() throws Exception {
        TestImage replicated = replicatedAndPushedAgain("hang/pinned", 2201, "v1");

        primary.hang();
        CompletableFuture<HttpResponse<String>> read =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/pinned/manifests/v1"))
                        .header("Accept", replicated.manifest().mediaType()));
        awaitForwarded("GET /v2/hang/pinned/manifests/v1 ");

        HttpResponse<String> answer = read.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(router.primaryReachable()).isFalse();
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(answer.headers().firstValue("X-Georeg-Possibly-Stale")).hasValue("true");
        assertThat(answer.headers().firstValue("Docker-Content-Digest"))
                .hasValue(replicated.manifest().digest().toString());
        assertThat(metrics())
                .containsPattern(
                        "georeg_router_fallbacks_total\\{outcome=\"primary-lost\",route=\"manifest-read\"} [1-9]")
                .containsPattern(
                        "georeg_router_upstream_abandoned_total\\{phase=\"request\",upstream=\"primary\"} \\d");
    }

    @Test
    void missPushAndLoginWaitingOnAHungPrimaryGetTheOutage503OnceThePrimaryIsFoundDown() throws Exception {
        primary.hang();
        CompletableFuture<HttpResponse<String>> miss =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/missing/manifests/v1")));
        CompletableFuture<HttpResponse<String>> push =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/pushed/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody()));
        CompletableFuture<HttpResponse<String>> chunk =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/pushed/blobs/uploads/some-session"))
                        .header("Content-Type", "application/octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[256 * 1024])));
        // Without the outage shield: the token request gets the 503 a token request gets while the primary is down.
        CompletableFuture<HttpResponse<String>> login = send(HttpRequest.newBuilder(
                router.localUrl().resolve("/jwt/auth?service=registry&scope=repository:hang/pushed:pull,push")));
        awaitForwarded("GET /v2/hang/missing/manifests/v1 ");
        awaitForwarded("GET /jwt/auth?");
        awaitForwarded("POST /v2/hang/pushed/blobs/uploads/ ");
        awaitForwarded("PATCH /v2/hang/pushed/blobs/uploads/some-session ");

        HttpResponse<String> missed = miss.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(missed.statusCode()).isEqualTo(503);
        assertThat(missed.body())
                .contains("\"code\":\"UNAVAILABLE\"")
                .contains("hang/missing:v1 is not replicated to this site (yet, or it does not exist), and the"
                        + " primary site that would have it is unreachable");
        for (CompletableFuture<HttpResponse<String>> write : List.of(push, chunk, login)) {
            HttpResponse<String> refused = write.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body())
                    .contains("\"code\":\"UNAVAILABLE\"")
                    .contains("the primary site is unreachable (")
                    .contains("pushes, deletes and logins need it, pulls of replicated content keep working");
        }
        assertThat(metrics())
                .containsPattern(
                        "georeg_router_fallbacks_total\\{outcome=\"primary-lost\",route=\"manifest-read\"} [1-9]")
                .containsPattern(
                        "georeg_router_fallbacks_total\\{outcome=\"primary-unreachable\",route=\"manifest-read\"} [1-9]")
                .containsPattern(
                        "georeg_router_upstream_abandoned_total\\{phase=\"request\",upstream=\"primary\"} \\d");
    }

    /**
     * Tried: a read sent to the primary because the replica cannot serve (the tracking database
     * known to be down), never asked of the replica, which holds it. Once the primary was found
     * down it got the replica's miss 503, "… is not replicated to this site (yet, or it does not
     * exist) …": a node told the image may not exist, where neither side could serve it.
     */
    @Test
    void readSentToAHungPrimaryBecauseTheReplicaIsUnavailableSaysSoOnceThePrimaryIsFoundDown() throws Exception {
        replica.replicate("hang/unavailable", "v1", TestImages.image(2206));
        TRACKING_DATABASE_UP.set(false);
        primary.hang();
        CompletableFuture<HttpResponse<String>> read =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/unavailable/manifests/v1")));
        awaitForwarded("GET /v2/hang/unavailable/manifests/v1 ");

        HttpResponse<String> answer = read.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(router.primaryReachable()).isFalse();
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body())
                .contains("\"code\":\"UNAVAILABLE\"")
                .contains("hang/unavailable:v1 cannot be read from this site's replica now (tracking database"
                        + " unavailable), and the primary site that would have it is unreachable (")
                .doesNotContain("not replicated")
                .doesNotContain("still served");
    }

    @Test
    void referrersReAskWaitingOnAHungPrimaryIsAnsweredAsTheReadOnceThePrimaryIsFoundDown() throws Exception {
        String subject = TestImages.image(2204).manifest().digest().toString();
        String path = "/v2/hang/referred/referrers/" + subject;
        // The replica lacks the repository and the primary answers the HEAD 404: the router asks it
        // the GET of the list, which the primary never answers.
        CompletableFuture<HttpResponse<String>> head =
                send(HttpRequest.newBuilder(router.localUrl().resolve(path))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        awaitForwarded("GET " + path + " ");
        primary.hang();

        HttpResponse<String> answer = head.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(router.primaryReachable()).isFalse();
        // As a read the primary did not answer: asked of the replica, whose miss gets the outage 503.
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(metrics())
                .containsPattern("georeg_router_fallbacks_total\\{outcome=\"primary-lost\",route=\"referrers\"} [1-9]");
    }

    @Test
    void pinnedTagsListHeldFromAHungPrimaryIsServedByTheReplicaOnceThePrimaryIsFoundDown() throws Exception {
        replicatedAndPushedAgain("hang/listed", 2205, "v2");
        // The primary starts the list the router holds whole to cut it to the page, and stops.
        CompletableFuture<HttpResponse<String>> list =
                send(HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/listed/tags/list")));
        awaitForwarded("GET /v2/hang/listed/tags/list ");
        primary.hang();

        HttpResponse<String> answer = list.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(router.primaryReachable()).isFalse();
        // Nothing had reached the client: a read, not a push, so not the refusal of a write.
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(answer.body()).contains("\"v1\"");
    }

    @Test
    void blobWhoseBodyStopsComingFromAPrimaryFoundDownEndsWithItsConnectionClosed() throws Exception {
        TestImage notReplicated = TestImages.image(2203);
        String digest = notReplicated.layers().getFirst().digest().toString();
        // The replica lacks the blob: the primary answers, its first 64 KiB and then nothing more.
        HttpResponse<InputStream> blob = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve("/v2/hang/streamed/blobs/" + digest))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(blob.statusCode()).isEqualTo(200);
        assertThat(blob.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        InputStream body = blob.body();
        assertThat(body.readNBytes(HangingPrimary.BLOB_SENT)).hasSize(HangingPrimary.BLOB_SENT);

        primary.hang();
        CompletableFuture<Long> rest = CompletableFuture.supplyAsync(() -> {
            try (body) {
                return body.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // Cut short: the connection closed before the Content-Length the primary announced.
        assertThatThrownBy(() -> rest.get(WITHIN.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(java.io.UncheckedIOException.class);
        assertThat(router.primaryReachable()).isFalse();
        assertThat(metrics())
                .containsPattern(
                        "georeg_router_upstream_abandoned_total\\{phase=\"response\",upstream=\"primary\"} \\d");
        // The client was refused nothing (its connection closed): the access log says why, not the
        // refusal of a push.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> accessLog().stream().anyMatch(l -> l.contains("/v2/hang/streamed/blobs/")));
        assertThat(accessLog().stream().filter(l -> l.contains("/v2/hang/streamed/blobs/")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("aborted")
                .contains("stopped coming")
                .doesNotContain("pushes, deletes and logins");
    }

    private static List<String> accessLog() throws IOException {
        Path file = tmp.resolve("access.log");
        return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : List.of();
    }

    /**
     * Image {@code seed} replicated as {@code repository:v1}, and a push through the router of
     * another image as {@code tag} that the replica has not got yet: reads the fence pins (of the
     * tag, of the repository's tags list) go to the primary.
     */
    private static TestImage replicatedAndPushedAgain(String repository, int seed, String tag) throws Exception {
        TestImage replicated = TestImages.image(seed);
        replica.replicate(repository, "v1", replicated);
        new FenceStore(database.transactions(), Duration.ofMinutes(5), Duration.ZERO)
                .record(
                        repository,
                        tag,
                        TestImages.image(seed + 1).manifest().digest().toString());
        return replicated;
    }

    private static CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
        return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The request reached the primary while the router still took it for up: it waits there. */
    private static void awaitForwarded(String requestLinePrefix) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> primary.forwarded().stream().anyMatch(l -> l.startsWith(requestLinePrefix)));
        assertThat(router.primaryReachable())
                .as("the router found the primary down before the request reached it: the test proves nothing")
                .isTrue();
    }

    private static String metrics() throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(router.operatorUrl().resolve("/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
