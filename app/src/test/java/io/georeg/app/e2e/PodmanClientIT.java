package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Podman;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman, the client of build machines and developers without a Docker engine, pulling and
 * pushing through the router in front of the token-auth distribution primary of {@link TwoSites}:
 * Debian's podman with its own store under the test's directory ({@link Podman}: vfs, no engine,
 * no container), {@code --creds} and {@code --tls-verify=false} (the router is plain HTTP on
 * 127.0.0.1). podman keeps layers uncompressed in its store, so what it pulled is compared with the
 * corpus as {@code podman save} writes it (the config byte for byte, each layer with the corpus
 * layer's uncompressed bytes), and what it pushed (layers it compressed itself) is pulled back
 * with skopeo and compared the same way.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanClientIT {
    private static final String CREDENTIALS = TwoSites.USER + ":" + TwoSites.PASSWORD;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static CorpusLayouts corpus;
    static Podman podman;
    static String router;
    static CompatibilityMatrix.Results matrix;

    @BeforeAll
    static void start() throws Exception {
        Podman.require();
        Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "podman", Podman.version(), "distribution " + Distribution.version(), PodmanClientIT.class);
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, TwoSites.outageTokens(tmp, "podman-site-b"));
        router = sites.routerHostPort();
        corpus = CorpusLayouts.write(tmp.resolve("layouts"));
        podman = Podman.in(tmp.resolve("podman"));
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
    void pullsAReplicatedMultiArchIndexWithCredentialsResolvedForItsPlatform() throws Exception {
        Digest index = sites.push(corpus.layout("team/multiarch"), "v1", sites.primary.hostPort(), "podman/multi:v1");
        sites.awaitReplicated("podman/multi", "v1", index);
        double before = sites.routerMetric(
                "georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\"");

        podman.run(
                        "pull",
                        "--tls-verify=false",
                        "--creds",
                        CREDENTIALS,
                        "--platform",
                        "linux/amd64",
                        router + "/podman/multi:v1")
                .requireSuccess();

        JsonNode inspected = JSON.readTree(podman.run("image", "inspect", router + "/podman/multi:v1")
                        .requireSuccess()
                        .stdout())
                .get(0);
        assertThat(inspected.path("RepoDigests").toString()).contains(router + "/podman/multi@" + index);
        assertThat(sites.routerMetric(
                        "georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\""))
                .isGreaterThan(before);
        assertThat(savedImageDifferences(
                        router + "/podman/multi:v1", corpus.platformImage("team/multiarch", index, "amd64")))
                .isEmpty();
        matrix.verified("pull with credentials of a multi-arch OCI index, resolved for linux/amd64, replicated; "
                + "the stored image compared with the corpus (config, uncompressed layers)");
    }

    @Test
    @Order(2)
    void pushesThroughTheRouterAndThePushIsPulledBackByteForByte() throws Exception {
        Path digestFile = tmp.resolve("pushed.digest");
        podman.run("tag", router + "/podman/multi:v1", router + "/podman/pushed:1")
                .requireSuccess();

        podman.run(
                        "push",
                        "--tls-verify=false",
                        "--creds",
                        CREDENTIALS,
                        "--digestfile",
                        digestFile.toString(),
                        router + "/podman/pushed:1")
                .requireSuccess();

        Digest pushed = Digest.parse(Files.readString(digestFile).strip());
        sites.awaitReplicated("podman/pushed", "1", pushed);
        Path back = tmp.resolve("pushed-back");
        Skopeo.require()
                .run(
                        List.of(
                                "copy",
                                "--src-tls-verify=false",
                                "--src-creds",
                                CREDENTIALS,
                                "docker://" + router + "/podman/pushed:1",
                                "dir:" + back),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
        byte[] manifest = Files.readAllBytes(back.resolve("manifest.json"));
        assertThat(Digest.sha256(manifest)).isEqualTo(pushed);
        ParsedManifest parsed = ManifestParser.parse(manifest, null);
        ParsedManifest original = corpus.platformImage(
                "team/multiarch", corpus.repository("team/multiarch").tags().get("v1"), "amd64");
        assertThat(Files.readAllBytes(
                        back.resolve(parsed.config().orElseThrow().digest().hex())))
                .isEqualTo(corpus.blob(
                        "team/multiarch", original.config().orElseThrow().digest()));
        assertThat(parsed.layers()).hasSameSizeAs(original.layers());
        for (int i = 0; i < parsed.layers().size(); i++) {
            Path layer = back.resolve(parsed.layers().get(i).digest().hex());
            assertThat(SkopeoDirCheck.sha256(layer))
                    .isEqualTo(parsed.layers().get(i).digest());
            assertThat(gunzip(Files.readAllBytes(layer)))
                    .as("layer " + i + " uncompressed")
                    .isEqualTo(gunzip(corpus.blob(
                            "team/multiarch", original.layers().get(i).digest())));
        }
        matrix.verified(
                "push with credentials (layers compressed by podman); replicated and pulled back byte for byte");
    }

    /**
     * Only the primary's token service down, its registry up, outage tokens on: a push must fail
     * saying the registry is unavailable. On the main branch before this case the router's stand-in
     * refused the push's token request (pull and push of a repository never pulled here) with 401,
     * and podman said "unable to retrieve auth token: invalid username/password": an operator would
     * look for a wrong password. podman shows no body of a token answer other than a 401: it says
     * "Requesting bearer token: invalid status code from registry 503 (Service Unavailable)".
     */
    @Test
    @Order(3)
    void withTheTokenServiceDownAPushIsToldTheRegistryIsUnavailableNotThatThePasswordIsWrong() throws Exception {
        podman.run("tag", router + "/podman/multi:v1", router + "/podman/outage-push:1")
                .requireSuccess();
        sites.tokens.stop();
        try {
            await().atMost(TwoSites.REPLICATION_WAIT)
                    .until(() -> sites.routerMetric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);

            var push =
                    podman.run("push", "--tls-verify=false", "--creds", CREDENTIALS, router + "/podman/outage-push:1");

            assertThat(push.exitCode()).as(push.stderr()).isNotZero();
            assertThat(push.stderr())
                    .contains("Requesting bearer token: invalid status code from registry 503 (Service Unavailable)")
                    .doesNotContain("invalid username/password");
            assertThat(sites.routerMetric("georeg_router_outage_tokens_refused_total", "reason=\"write\""))
                    .isGreaterThan(0);
        } finally {
            sites.tokens.restart();
        }
        matrix.verified("push with credentials while only the token service is down (outage tokens on): fails at "
                + "its token request with 503 Service Unavailable, not \"invalid username/password\"");
    }

    /** {@code podman save --format oci-dir} of {@code reference} against a corpus image of team/multiarch; empty when equal. */
    private static List<String> savedImageDifferences(String reference, ParsedManifest image) throws Exception {
        Path saved = tmp.resolve("saved-" + Integer.toHexString(reference.hashCode()));
        podman.run("save", "--format", "oci-dir", "-o", saved.toString(), reference)
                .requireSuccess();
        JsonNode index = JSON.readTree(saved.resolve("index.json").toFile());
        Path blobs = saved.resolve("blobs/sha256");
        ParsedManifest savedImage = ManifestParser.parse(
                Files.readAllBytes(blobs.resolve(Digest.parse(
                                index.path("manifests").get(0).path("digest").asText())
                        .hex())),
                null);
        Digest config = image.config().orElseThrow().digest();
        List<String> out = new ArrayList<>();
        if (!savedImage.config().orElseThrow().digest().equals(config)
                || !Arrays.equals(
                        Files.readAllBytes(blobs.resolve(config.hex())), corpus.blob("team/multiarch", config))) {
            out.add("config differs");
        }
        if (savedImage.layers().size() != image.layers().size()) {
            out.add("layer count " + savedImage.layers().size() + " instead of "
                    + image.layers().size());
            return out;
        }
        for (int i = 0; i < image.layers().size(); i++) {
            byte[] savedLayer = Files.readAllBytes(
                    blobs.resolve(savedImage.layers().get(i).digest().hex()));
            Digest original = image.layers().get(i).digest();
            if (!Arrays.equals(maybeGunzip(savedLayer), gunzip(corpus.blob("team/multiarch", original)))) {
                out.add("layer " + i + " differs from the corpus layer " + original);
            }
        }
        return out;
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    /** podman saves layers as its store keeps them: uncompressed, or gzip where it kept the original. */
    private static byte[] maybeGunzip(byte[] layer) throws IOException {
        return layer.length > 2 && (layer[0] & 0xff) == 0x1f && (layer[1] & 0xff) == 0x8b ? gunzip(layer) : layer;
    }
}
