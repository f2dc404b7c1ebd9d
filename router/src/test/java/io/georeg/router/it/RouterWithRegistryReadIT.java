package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.router.Router;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router with the real registry-read hosted in its process (the embedded shape of
 * {@code georeg serve}): replicated content is served by registry-read, content it lacks falls
 * back to the primary (distribution 2.8), and a push through the router is fenced until the
 * replica's write side has stored it. One PostgreSQL database holds both the replica's
 * tracking schema and the router's fences.
 */
class RouterWithRegistryReadIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Database database;
    static RouterFixtures.RegistryRead replica;
    static Distribution primary;
    static Router router;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        database = FIXTURES.database(DB);
        replica = FIXTURES.registryRead(database, tmp.resolve("replica-storage"));
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        router = FIXTURES.add(
                LoopbackRouter.start(primary.url(), replica.uncached(), LoopbackRouter.withDatabase(database)));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void replicatedImageIsServedByRegistryReadAndTheRestByThePrimary() throws Exception {
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home"));
        String host = "127.0.0.1:" + router.port();
        TestImage replicated = TestImages.image(601);
        replica.replicate("embedded/replicated", "v1", replicated);
        TestImage pushed = TestImages.image(602);
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + OciLayoutWriter.write(pushed, "v1", tmp.resolve("l602")) + ":v1",
                        "docker://" + host + "/embedded/pushed:v1")
                .requireSuccess();

        for (String repo : new String[] {"embedded/replicated", "embedded/pushed"}) {
            Path out = tmp.resolve("pulled-" + repo.replace('/', '-'));
            skopeo.run(
                            "--debug",
                            "--insecure-policy",
                            "copy",
                            "--preserve-digests",
                            "--src-tls-verify=false",
                            "docker://" + host + "/" + repo + ":v1",
                            "oci:" + out + ":v1")
                    .requireSuccess();
        }
        assertThat(Files.readAllBytes(tmp.resolve("pulled-embedded-replicated/blobs/sha256/"
                        + replicated.layers().getFirst().digest().hex())))
                .isEqualTo(replicated.layers().getFirst().content());
        assertThat(Files.readAllBytes(tmp.resolve("pulled-embedded-pushed/blobs/sha256/"
                        + pushed.layers().getFirst().digest().hex())))
                .isEqualTo(pushed.layers().getFirst().content());

        assertThat(source(
                        "/v2/embedded/replicated/blobs/"
                                + replicated.layers().getFirst().digest(),
                        null))
                .isEqualTo("replica");
        assertThat(source(
                        "/v2/embedded/pushed/blobs/"
                                + pushed.layers().getFirst().digest(),
                        null))
                .isEqualTo("primary-fallback");
        // Pushed through the router, not replicated yet: fenced to the primary.
        assertThat(source("/v2/embedded/pushed/manifests/v1", pushed.manifest().mediaType()))
                .isEqualTo("primary-fenced");

        replica.replicate("embedded/pushed", "v1", pushed);
        assertThat(source("/v2/embedded/pushed/manifests/v1", pushed.manifest().mediaType()))
                .isEqualTo("replica");
    }

    /**
     * {@code registryRead.verifyServedBlobs: never} in the router's process: a multi-MiB filesystem
     * blob sent unhashed reaches the client through the in-process dispatch whole and ranged.
     */
    @Test
    void blobsSentWithoutVerificationReachTheClientThroughTheRouter() throws Exception {
        TestBlob layer = TestImages.layer(603, 5 * 1024 * 1024 + 7);
        TestImage image = TestImages.image(
                io.georeg.oci.MediaTypes.OCI_MANIFEST,
                layer.content().length,
                java.util.List.of(layer),
                (io.georeg.oci.Descriptor.Platform) null);
        replica.replicate("embedded/unverified", "v1", image);
        try (Router unverified = LoopbackRouter.start(
                primary.url(),
                replica.uncached(
                        ReadOptions.loopbackEphemeral().withVerifyServedBlobs(ReadOptions.VerifyServedBlobs.NEVER)),
                LoopbackRouter.withDatabase(database))) {
            java.net.URI uri = unverified.localUrl().resolve("/v2/embedded/unverified/blobs/" + layer.digest());

            HttpResponse<byte[]> whole =
                    HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> tail = HTTP.send(
                    HttpRequest.newBuilder(uri)
                            .header("Range", "bytes=" + (4 * 1024 * 1024 - 3) + "-")
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.headers().firstValue("X-Georeg-Source")).hasValue("replica");
            assertThat(whole.body()).isEqualTo(layer.content());
            assertThat(tail.statusCode()).isEqualTo(206);
            assertThat(tail.body())
                    .isEqualTo(
                            java.util.Arrays.copyOfRange(layer.content(), 4 * 1024 * 1024 - 3, layer.content().length));
        }
    }

    /**
     * Requests a client sends on one connection before the answer to the first is complete (HTTP/1.1
     * pipelining; also a keep-alive client whose next request arrives while registry-read's thread
     * is still finishing the last answer) each get their answer, whatever the kind of read, also
     * with the fence view in memory (as {@code georeg serve} runs the router), where a cleared read
     * goes to registry-read on the thread that routed it. A manifest answer completes inside
     * Jetty's serialized write callback on registry-read's virtual thread; resuming the connection
     * there (the inline resume of e7f1eea) routed the next request on that thread, and its blob
     * read's blocking writes waited for their callbacks behind the outer one forever: FailoverIT's
     * serve-sample hung 30 s.
     */
    @Test
    void pipelinedReadsOnOneConnectionEachGetTheirAnswer() throws Exception {
        TestImage image = TestImages.image(604);
        replica.replicate("embedded/pipelined", "v1", image);
        PrometheusRegistry metrics = new PrometheusRegistry();
        try (Router fenced =
                LoopbackRouter.start(primary.url(), replica.uncached(), LoopbackRouter.withFences(database, metrics))) {
            // Reads are cleared in memory from now on, on the thread that routed them.
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> metrics.scrape().stream()
                            .filter(m ->
                                    m.getMetadata().getPrometheusName().equals("georeg_router_fence_lease_trusted"))
                            .flatMap(m -> m.getDataPoints().stream())
                            .anyMatch(p ->
                                    ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) p)
                                                    .getValue()
                                            == 1));
            pipelinedReads(fenced.port(), image);
        }
        pipelinedReads(router.port(), image);
    }

    /**
     * A method a read endpoint does not serve gets the primary's answer, replicated repository or
     * not, and registry-read asked directly answers as distribution does. Tried on main: a
     * {@code HEAD} of a replicated repository's tags list was 200 (registry-read's) and of an unknown
     * one 405 (distribution's, after registry-read's 404 sent it there); a {@code HEAD} of the
     * catalog 200 where distribution says 405; registry-read's {@code OPTIONS} listed PUT, POST,
     * PATCH and DELETE on every path, and its 405s to writes had no {@code Allow}.
     */
    @Test
    void methodsTheReplicaDoesNotServeAreAnsweredAsThePrimaryAnswersThem() throws Exception {
        TestImage image = TestImages.image(611);
        replica.replicate("methods/replicated", "v1", image);
        String blob =
                "/v2/methods/replicated/blobs/" + image.layers().getFirst().digest();
        List<String[]> requests = List.of(
                new String[] {"HEAD", "/v2/methods/replicated/tags/list"},
                new String[] {"HEAD", "/v2/methods/unknown/tags/list"},
                new String[] {"HEAD", "/v2/_catalog"},
                new String[] {"OPTIONS", "/v2/methods/replicated/tags/list"},
                new String[] {"OPTIONS", "/v2/methods/replicated/manifests/v1"},
                new String[] {"OPTIONS", blob},
                new String[] {"OPTIONS", "/v2/methods/replicated/blobs/uploads/"});
        for (String[] r : requests) {
            HttpResponse<Void> fromPrimary = send(primary.url(), r[0], r[1]);
            HttpResponse<Void> fromRouter = send(router.localUrl(), r[0], r[1]);
            assertThat(fromRouter.statusCode()).as("%s %s", r[0], r[1]).isEqualTo(fromPrimary.statusCode());
            assertThat(fromRouter.headers().allValues("Allow"))
                    .as("%s %s", r[0], r[1])
                    .isEqualTo(fromPrimary.headers().allValues("Allow"));
        }
        assertThat(send(primary.url(), "HEAD", "/v2/methods/unknown/tags/list").statusCode())
                .isEqualTo(405);

        try (RegistryReadServer own = replica.server()) {
            for (String tags : List.of("/v2/methods/replicated/tags/list", "/v2/methods/unknown/tags/list")) {
                assertAnswer(send(own.uri(), "HEAD", tags), 405, "GET");
                assertAnswer(send(own.uri(), "OPTIONS", tags), 200, "GET");
            }
            assertAnswer(send(own.uri(), "HEAD", "/v2/_catalog"), 405, "GET");
            assertAnswer(send(own.uri(), "OPTIONS", "/v2/methods/replicated/manifests/v1"), 200, "GET, HEAD");
            assertAnswer(send(own.uri(), "OPTIONS", blob), 200, "GET, HEAD");
            assertAnswer(send(own.uri(), "OPTIONS", "/v2/"), 200, "GET, HEAD");
            assertAnswer(send(own.uri(), "OPTIONS", "/v2/methods/replicated/blobs/uploads/"), 200, "");
            assertAnswer(send(own.uri(), "PUT", "/v2/methods/replicated/manifests/v1"), 405, "GET, HEAD");
            assertAnswer(send(own.uri(), "DELETE", blob), 405, "GET, HEAD");
            assertAnswer(send(own.uri(), "POST", "/v2/methods/replicated/blobs/uploads/"), 405, "");
            // What it serves is unchanged.
            assertThat(send(own.uri(), "GET", "/v2/methods/replicated/tags/list")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(send(own.uri(), "HEAD", blob).statusCode()).isEqualTo(200);
        }
    }

    private static void assertAnswer(HttpResponse<Void> answer, int status, String allow) {
        String request = answer.request().method() + " " + answer.uri().getPath();
        assertThat(answer.statusCode()).as(request).isEqualTo(status);
        assertThat(answer.headers().allValues("Allow")).as(request).containsExactly(allow);
    }

    private static HttpResponse<Void> send(java.net.URI base, String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** A manifest, two blobs, the manifest, a blob: sent at once on one connection, answered in order. */
    private static void pipelinedReads(int port, TestImage image) throws Exception {
        TestBlob layer = image.layers().getFirst();
        String manifest = Pipelined.get(
                "/v2/embedded/pipelined/manifests/" + image.manifest().digest(),
                "Accept: " + image.manifest().mediaType());
        String blob = Pipelined.get("/v2/embedded/pipelined/blobs/" + layer.digest());
        List<byte[]> expected = List.of(
                image.manifest().content(),
                layer.content(),
                layer.content(),
                image.manifest().content(),
                layer.content());
        List<Pipelined.Answer> answers = Pipelined.send(port, List.of(manifest, blob, blob, manifest, blob));
        for (int i = 0; i < expected.size(); i++) {
            assertThat(answers.get(i).status())
                    .as("answer %d on port %d", i, port)
                    .isEqualTo(200);
            assertThat(answers.get(i).headers())
                    .as("answer %d on port %d", i, port)
                    .containsEntry("x-georeg-source", "replica");
            assertThat(answers.get(i).body())
                    .as("answer %d on port %d", i, port)
                    .isEqualTo(expected.get(i));
        }
    }

    private static String source(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(router.localUrl().resolve(path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        HttpResponse<Void> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.headers().firstValue("X-Georeg-Source").orElseThrow();
    }
}
