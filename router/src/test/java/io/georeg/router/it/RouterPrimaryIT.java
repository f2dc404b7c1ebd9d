package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.logs.CapturedLog;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in front of a real primary (distribution 2.8) with a second distribution as the
 * read replica, a real client (skopeo) and a raw HTTP client that checks the headers a client
 * sees on an upload. No token auth here (see {@link RouterTokenAuthIT}).
 */
class RouterPrimaryIT {
    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Distribution primary;
    static Distribution replica;
    static Router router;
    static URI routerUrl;
    static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() throws Exception {
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        replica = FIXTURES.distribution(tmp.resolve("replica"));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config -> config.withTimeouts(LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofSeconds(1)))
                        // Sampled as by default, but so rarely that only what is always logged is.
                        .withAccessLog(new RouterConfig.AccessLog(
                                RouterConfig.AccessLog.Mode.SAMPLED, Integer.MAX_VALUE, null, 16384)),
                LoopbackRouter.WITHOUT_DATABASE));
        routerUrl = router.localUrl();
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    private static String host() {
        return "127.0.0.1:" + router.port();
    }

    @Test
    void imagePushedWithSkopeoThroughTheRouterIsPulledBackByteForByte() throws Exception {
        TestImage image = TestImages.image(101);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout-101"));
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home"));

        Skopeo.Result push = skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":v1",
                        "docker://" + host() + "/router-it/app:v1")
                .requireSuccess();
        Skopeo.Result inspect = skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "inspect",
                        "--raw",
                        "--tls-verify=false",
                        "docker://" + host() + "/router-it/app:v1")
                .requireSuccess();
        assertThat(inspect.output()).contains(new String(image.manifest().content()));

        Path back = tmp.resolve("pulled-101");
        Skopeo.Result pull = skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--src-tls-verify=false",
                        "docker://" + host() + "/router-it/app:v1",
                        "oci:" + back + ":v1")
                .requireSuccess();
        for (TestBlob blob : image.blobs()) {
            assertThat(Files.readAllBytes(
                            back.resolve("blobs/sha256/" + blob.digest().hex())))
                    .isEqualTo(blob.content());
        }
        assertThat(Files.readAllBytes(
                        back.resolve("blobs/sha256/" + image.manifest().digest().hex())))
                .isEqualTo(image.manifest().content());

        // The image is on the primary, and the client never talked to anyone but the router.
        assertThat(HTTP.send(
                                HttpRequest.newBuilder(primary.url().resolve("/v2/router-it/app/manifests/v1"))
                                        .header("Accept", image.manifest().mediaType())
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(200);
        for (Skopeo.Result r : new Skopeo.Result[] {push, inspect, pull}) {
            assertThat(r.output())
                    .contains(host())
                    .doesNotContain(":" + primary.port())
                    .doesNotContain(":" + replica.port());
        }
    }

    @Test
    void chunkedUploadContinuesThroughTheRouterWithTheUploadHeadersIntact() throws Exception {
        byte[] blob = TestImages.randomBytes(7, 300_000);
        String digest = TestBlob.of(TestImages.OCI_LAYER, blob).digest().toString();

        HttpResponse<Void> start =
                send(HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/chunked/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(start.statusCode()).isEqualTo(202);
        String uuid = start.headers().firstValue("Docker-Upload-UUID").orElseThrow();
        assertThat(start.headers().firstValue("Range")).hasValue("0-0");
        assertThat(start.headers().firstValue("X-Georeg-Source")).hasValue("primary");
        String location = start.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(routerUrl + "/v2/router-it/chunked/blobs/uploads/" + uuid);

        HttpResponse<Void> first = send(HttpRequest.newBuilder(URI.create(location))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "0-99999")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(blob, 0, 100_000))));
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Range")).hasValue("0-99999");
        assertThat(first.headers().firstValue("Docker-Upload-UUID")).hasValue(uuid);
        location = first.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(routerUrl.toString());

        // The second chunk without a length: streamed with chunked transfer coding.
        HttpResponse<Void> second = send(HttpRequest.newBuilder(URI.create(location))
                .header("Content-Type", "application/octet-stream")
                .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofInputStream(
                                () -> new java.io.ByteArrayInputStream(blob, 100_000, 200_000))));
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(second.headers().firstValue("Range")).hasValue("0-299999");
        location = second.headers().firstValue("Location").orElseThrow();

        HttpResponse<Void> done = send(
                HttpRequest.newBuilder(URI.create(location + (location.contains("?") ? "&" : "?") + "digest=" + digest))
                        .PUT(HttpRequest.BodyPublishers.noBody()));
        assertThat(done.statusCode()).isEqualTo(201);
        assertThat(done.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
        assertThat(done.headers().firstValue("Location").orElseThrow()).startsWith(routerUrl.toString());

        // Not on the replica: the read falls back to the primary, with the bytes intact.
        HttpResponse<byte[]> get = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/chunked/blobs/" + digest))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(blob);
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");

        HttpResponse<byte[]> range = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/chunked/blobs/" + digest))
                        .header("Range", "bytes=10-19")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(blob, 10, 20));
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 10-19/300000");
    }

    @Test
    void crossRepositoryMountIsAnsweredByThePrimaryWithTheRoutersLocation() throws Exception {
        byte[] blob = TestImages.randomBytes(8, 1000);
        String digest = TestBlob.of(TestImages.OCI_LAYER, blob).digest().toString();
        // distribution 2.8 has no monolithic POST: POST then one monolithic PUT.
        HttpResponse<Void> start = send(HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/source/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        String location = start.headers().firstValue("Location").orElseThrow();
        HttpResponse<Void> monolithic = send(HttpRequest.newBuilder(URI.create(location + "&digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)));
        assertThat(monolithic.statusCode()).isEqualTo(201);

        HttpResponse<Void> mount = send(HttpRequest.newBuilder(routerUrl.resolve(
                        "/v2/router-it/target/blobs/uploads/?mount=" + digest + "&from=router-it/source"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(mount.statusCode()).isEqualTo(201);
        assertThat(mount.headers().firstValue("Location").orElseThrow())
                .startsWith(routerUrl + "/v2/router-it/target/blobs/" + digest);
    }

    /**
     * Request headers between Jetty's client default (8 KiB) and what the router's listener takes
     * (32 KiB: bearer tokens with many scopes are large) reach the primary: a 20 KiB header on an
     * upload, and on a read the replica misses, was answered 503 UNAVAILABLE "the primary site's
     * registry is unreachable: IllegalArgumentException: Request headers too large" (a client's
     * large token reported as an outage, counted as an upstream error), while distribution itself
     * takes it.
     */
    @Test
    void requestHeadersTheRouterAcceptsAreForwardedToThePrimary() throws Exception {
        String padding = "p".repeat(20 * 1024);
        HttpResponse<String> upload = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/large-headers/blobs/uploads/"))
                        .header("X-Padding", padding)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode())
                .as("upload start; body " + upload.body())
                .isEqualTo(202);
        HttpResponse<String> miss = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/large-headers/manifests/absent"))
                        .header("X-Padding", padding)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(miss.statusCode())
                .as("read of an absent tag; body " + miss.body())
                .isEqualTo(404);
        assertThat(miss.body()).contains("\"code\":\"MANIFEST_UNKNOWN\"");
    }

    @Test
    void replicaAnswersWhatItHasWithoutAFallback() throws Exception {
        TestImage image = TestImages.image(202);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout-202"));
        Skopeo.require()
                .withHome(tmp.resolve("skopeo-home"))
                .run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":v1",
                        "docker://127.0.0.1:" + replica.port() + "/router-it/replicated:v1")
                .requireSuccess();

        HttpResponse<byte[]> get = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/replicated/manifests/v1"))
                        .header("Accept", image.manifest().mediaType())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(image.manifest().content());
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(get.headers().firstValue("Docker-Content-Digest"))
                .hasValue(image.manifest().digest().toString());

        HttpResponse<Void> missing =
                send(HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/replicated/manifests/nope"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
    }

    @Test
    void aPushThePrimaryRefusesIsInTheSampledAccessLogAndAReadOfSomethingAbsentIsNot() throws Exception {
        try (CapturedLog access = CapturedLog.of("io.georeg.router.access")) {
            String run = Long.toString(System.nanoTime(), 36);
            // The first request a router sees is in the sample; those below must not be.
            send(HttpRequest.newBuilder(routerUrl.resolve("/v2/")));
            TestImage unpushed = TestImages.image(404);
            HttpResponse<Void> absent = send(HttpRequest.newBuilder(routerUrl.resolve(
                            "/v2/router-it/refused/blobs/" + unpushed.config().digest()))
                    .header("X-Request-Id", "absent-" + run)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> refused = HTTP.send(
                    HttpRequest.newBuilder(routerUrl.resolve("/v2/router-it/refused/manifests/v1"))
                            .header("X-Request-Id", "refused-" + run)
                            .header("Content-Type", unpushed.manifest().mediaType())
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(
                                    unpushed.manifest().content()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(absent.statusCode()).isEqualTo(404);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(refused.body()).contains("MANIFEST_BLOB_UNKNOWN");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> access.lines().stream().anyMatch(l -> l.contains("id=refused-" + run)));
            assertThat(access.lines())
                    .as("the refused PUT, and not the HEAD answered 404 (its line would come before the PUT's)")
                    .anySatisfy(line -> assertThat(line)
                            .contains(
                                    "id=refused-" + run,
                                    "method=PUT",
                                    "path=/v2/router-it/refused/manifests/v1",
                                    "destination=primary",
                                    "status=400"))
                    .noneSatisfy(line -> assertThat(line).contains("absent-" + run));
        }
    }

    @Test
    void ambiguousPathsAreRefusedWithAnOciErrorBody() throws Exception {
        for (String path : new String[] {
            "/v2/router-it/%2e%2e/x/manifests/latest", "/v2/router-it%2Fapp/manifests/v1", "/v2/a/../b/manifests/v1"
        }) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(routerUrl + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).contains("\"code\":\"NAME_INVALID\"");
        }
    }

    @Test
    void operationsEndpointsAnswerLocally() throws Exception {
        assertThat(HTTP.send(
                                HttpRequest.newBuilder(routerUrl.resolve("/-/health"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> ready = HTTP.send(
                HttpRequest.newBuilder(routerUrl.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"primary\":\"reachable\"", "\"replica\":\"reachable\"");
        HTTP.send(HttpRequest.newBuilder(routerUrl.resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> metrics = HTTP.send(
                HttpRequest.newBuilder(router.operatorUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body())
                .containsPattern("georeg_router_requests_total\\{destination=\"replica\",route=\"base\"} [1-9]")
                .contains(
                        "georeg_router_circuit_open{upstream=\"primary\"} 0", "georeg_router_upstream_latency_seconds");
    }

    private static HttpResponse<Void> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }
}
