package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.oci.Digest;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fault of the secondary's own side while the primary is healthy, with real parts ({@link TwoSites}:
 * distribution with token auth as the primary, georeg in one process, skopeo through the router):
 * with georeg's PostgreSQL cut off, with it hanging, and with its storage unreadable, pushes
 * through the router (their blob-exists {@code HEAD}s are reads) and pulls of replicated and new
 * content succeed, answered by the primary; the router stays ready and says it is degraded,
 * registry-read is not ready and says which backend failed, and {@code georeg_backend_available}
 * says so too. Once the backend is back, the secondary is whole again.
 *
 * <p>The database is taken away from georeg alone: georeg reaches the shared PostgreSQL server
 * through a {@link TcpRelay} that the test cuts or stalls, never stopping the server.
 */
class DegradedSecondaryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration OUTAGE_NOTICED = Duration.ofSeconds(60);
    private static final String KEPT = "kept/alpine:1";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TcpRelay database;
    static TwoSites sites;
    static Skopeo skopeo;
    static Path layouts;
    static Digest kept;

    @BeforeAll
    static void start() throws Exception {
        skopeo = Skopeo.require();
        URI server = URI.create(DB.jdbcUrl().substring("jdbc:".length()));
        database = TcpRelay.to(server.getHost(), server.getPort());
        String throughProxy = "jdbc:postgresql://127.0.0.1:" + database.port() + server.getRawPath()
                + (server.getRawQuery() == null ? "" : "?" + server.getRawQuery());
        sites = new TwoSites(
                DB,
                tmp,
                TwoSites.Shape.ONE_PROCESS,
                Map.of(
                        "GEOREG_DATABASE_URL", throughProxy,
                        "GEOREG_HEALTH_INTERVAL", "200ms",
                        "GEOREG_HEALTH_BUDGET", "1s"));
        layouts = tmp.resolve("layouts");
        OciLayoutWriter.writeAll(
                CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED)
                        .bigLayerSize(1024 * 1024)
                        .generate(),
                layouts);
        kept = push("library/alpine", "3.19", KEPT);
        sites.awaitReplicated("kept/alpine", "1", kept);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {sites, database}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void withItsDatabaseCutOffTheSecondaryStillPushesAndPullsThroughThePrimary() throws Exception {
        database.cut();
        try {
            awaitDegraded("database");

            servesPullsAndPushes("cut/alpine:1");
            HttpResponse<String> tags = get("/v2/kept/alpine/tags/list", "kept/alpine");
            assertThat(tags.statusCode()).isEqualTo(200);
            assertThat(tags.body()).contains("\"1\"");
            HttpResponse<String> replicaReady = HTTP.send(
                    HttpRequest.newBuilder(replica().resolve("/-/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(replicaReady.statusCode()).isEqualTo(503);
            assertThat(replicaReady.body()).contains("\"database\":\"unreachable\"");
            assertThat(metrics()).contains("georeg_backend_available{backend=\"database\"} 0");
        } finally {
            database.restore();
        }
        awaitWhole();
        assertThat(metrics()).contains("georeg_backend_available{backend=\"database\"} 1");
    }

    @Test
    void withItsDatabaseHangingTheSecondaryStillPushesAndPullsThroughThePrimary() throws Exception {
        database.stall();
        try {
            awaitDegraded("database");

            servesPullsAndPushes("stalled/alpine:1");
        } finally {
            database.restore();
        }
        awaitWhole();
    }

    @Test
    void withItsStorageUnreadableTheSecondaryStillPushesAndPullsThroughThePrimary() throws Exception {
        String blob = "/v2/kept/alpine/blobs/" + aLayerOfKept();
        assertThat(replicaRead("HEAD", blob).statusCode()).isEqualTo(200);
        Path storage = sites.replicaStorage();
        Path aside = storage.resolveSibling("replica-storage.aside");
        // A volume that fails every read: the storage root is no directory any more.
        replaceByAFile(storage, aside);
        try {
            awaitDegraded("replica");
            HttpResponse<String> replicaReady = HTTP.send(
                    HttpRequest.newBuilder(replica().resolve("/-/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(replicaReady.statusCode()).isEqualTo(503);
            assertThat(replicaReady.body()).contains("\"storage\":\"unreachable\"", "\"database\":\"reachable\"");
            assertThat(metrics()).contains("georeg_backend_available{backend=\"storage\"} 0");
            // Tried on main: registry-read's HEAD of a replicated blob answered 200 from its database
            // while the GET of the same blob was a 503, and went on doing so for the whole outage.
            // The HEAD answers as the GET does; the router, which falls back on the 503, finds it.
            assertThat(replicaRead("HEAD", blob).statusCode()).isEqualTo(503);
            assertThat(replicaRead("GET", blob).statusCode()).isEqualTo(503);
            assertThat(replicaRead("GET", blob).body()).contains("\"UNAVAILABLE\"");

            servesPullsAndPushes("unreadable/alpine:1");
        } finally {
            Files.delete(storage);
            Files.move(aside, storage);
        }
        awaitWhole();
    }

    /**
     * Moves the directory {@code storage} to {@code aside} and puts a file in its place. A write
     * of the running secondary may create the root again between the two (the filesystem store
     * creates the directories it writes into): what it wrote then goes aside as well, and the file
     * takes the place again.
     */
    private static void replaceByAFile(Path storage, Path aside) throws Exception {
        Path file = storage.resolveSibling("replica-storage.file");
        Files.writeString(file, "not a directory");
        Files.move(storage, aside);
        for (int attempt = 1; ; attempt++) {
            try {
                Files.move(file, storage, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (java.nio.file.FileSystemException recreated) {
                if (attempt == 5) {
                    throw recreated;
                }
                Files.move(storage, aside.resolveSibling("replica-storage.recreated-" + attempt));
            }
        }
    }

    /** A push of a new image and pulls of it and of the replicated image, all through the router, all succeed. */
    private static void servesPullsAndPushes(String newImage) throws Exception {
        Digest pushed = push("library/alpine", "latest", newImage);
        assertThat(pulledManifest(KEPT)).isEqualTo(kept);
        assertThat(pulledManifest(newImage)).isEqualTo(pushed);
        HttpResponse<String> ready = routerReady();
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"degraded\":true", "\"reads\":\"reachable\"");
    }

    /** The router noticed: {@code part} ({@code database}, or {@code replica} for storage) unreachable. */
    private static void awaitDegraded(String part) {
        await().atMost(OUTAGE_NOTICED)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> routerReady().body().contains("\"" + part + "\":\"unreachable\""));
    }

    private static void awaitWhole() {
        await().atMost(OUTAGE_NOTICED)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> routerReady().body().contains("\"degraded\":false"));
    }

    private static HttpResponse<String> routerReady() throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(sites.router().resolve("/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI replica() {
        return sites.front.component(RegistryReadComponent.class).uri();
    }

    /** The process's metrics as Prometheus scrapes them, wherever they are served. */
    private static String metrics() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false)
                .write(out, sites.front.resources().metrics().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Digest push(String layoutRepository, String tag, String destination) throws Exception {
        return sites.push(layouts.resolve(layoutRepository), tag, sites.routerHostPort(), destination);
    }

    private static Digest pulledManifest(String reference) throws Exception {
        Path dir = sites.pull(skopeo, Files.createTempDirectory(tmp, "pull"), reference);
        return Digest.sha256(Files.readAllBytes(dir.resolve("manifest.json")));
    }

    /** A layer of the replicated image {@link #KEPT}, from registry-read's manifest (its database). */
    private static String aLayerOfKept() throws Exception {
        HttpResponse<String> manifest = HTTP.send(
                HttpRequest.newBuilder(replica().resolve("/v2/kept/alpine/manifests/1"))
                        .header("Authorization", "Bearer " + sites.token("repository:kept/alpine:pull"))
                        .header(
                                "Accept",
                                "application/vnd.oci.image.manifest.v1+json,"
                                        + "application/vnd.docker.distribution.manifest.v2+json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(manifest.statusCode()).isEqualTo(200);
        return JSON.readTree(manifest.body())
                .path("layers")
                .path(0)
                .path("digest")
                .asText();
    }

    /** A {@code method} of {@code path} at registry-read's own port, with a pull token of kept/alpine. */
    private static HttpResponse<String> replicaRead(String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(replica().resolve(path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .header("Authorization", "Bearer " + sites.token("repository:kept/alpine:pull"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String repository) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(sites.router().resolve(path))
                        .header("Authorization", "Bearer " + sites.token("repository:" + repository + ":pull"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
