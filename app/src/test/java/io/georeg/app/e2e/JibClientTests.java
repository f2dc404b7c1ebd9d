package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.replicator.primary.PrimaryKind;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jib, the Java build's client, building an image in this JVM with {@code jib-core} (the library
 * behind Jib's Maven and Gradle plugins) on a base image of the same registry and pushing it
 * through the router in front of the token-auth primary of {@link TwoSites}, shaped as the
 * subclass says: Jib asks the registry to mount the base layers from the base's repository instead
 * of uploading them (cross-repository blob mount, seen in the primary's log), uploads its own layer
 * and the manifest, and skopeo pulls the image back through the router once it is replicated,
 * compared byte for byte: the base layers with the corpus, the application layer with the file Jib
 * put in it. The classes run one after another in one JVM, so the static state below is each
 * one's own.
 */
abstract class JibClientTests {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static CorpusLayouts corpus;
    static String router;
    static CompatibilityMatrix.Results matrix;
    /** The repositories' path below the primary's namespace: {@code jib}, or {@code acme/jib} on GitLab. */
    private static String prefix;

    /**
     * Starts the two sites with {@code kind}'s primary (called from the subclass's
     * {@code @BeforeAll}); {@code primary} has a {@code %s} for distribution's version.
     */
    static void start(PrimaryKind kind, String namespace, Class<?> test, String primary, String auth) throws Exception {
        Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "Jib (jib-core)",
                Jib.class.getPackage().getImplementationVersion(),
                primary.formatted("distribution " + Distribution.version()),
                auth,
                test);
        prefix = namespace.isEmpty() ? "jib" : namespace + "/jib";
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, kind, Map.of());
        router = sites.routerHostPort();
        corpus = CorpusLayouts.write(tmp.resolve("layouts"));
        // The router is plain HTTP on 127.0.0.1: Jib sends credentials there only when told to.
        System.setProperty("sendCredentialsOverHttp", "true");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sites != null) {
            sites.close();
        }
        sites = null;
        if (matrix != null) {
            matrix.finish();
            matrix = null;
        }
    }

    @Test
    void buildsOnABaseOfTheSameRegistryMountsItsLayersPushesThroughTheRouterAndIsPulledBackByteForByte()
            throws Exception {
        String baseRepository = prefix + "/base";
        String target = prefix + "/app:1";
        Digest base = sites.push(corpus.layout("library/alpine"), "3.19", router, baseRepository + ":3.19");
        sites.awaitReplicated(baseRepository, "3.19", base);
        byte[] appJar = "georeg jib client test: application layer\n".getBytes(StandardCharsets.UTF_8);
        Path app = Files.write(Files.createDirectories(tmp.resolve("app")).resolve("app.jar"), appJar);

        JibContainer built = containerize(
                Jib.from(credentials(RegistryImage.named(router + "/" + baseRepository + ":3.19")))
                        .addLayer(List.of(app), AbsoluteUnixPath.get("/app"))
                        .setEntrypoint("java", "-jar", "/app/app.jar"),
                target);

        Digest pushed = Digest.parse(built.getDigest().toString());
        ParsedManifest baseManifest = corpus.manifest("library/alpine", base);
        // Every base layer was mounted from the base's repository by the primary (201), none uploaded again.
        for (Descriptor layer : baseManifest.layers()) {
            assertThat(primaryLog())
                    .as("the primary mounted " + layer.digest())
                    .anyMatch(l -> l.contains("http.request.method=POST")
                            && l.contains("/v2/" + prefix + "/app/blobs/uploads/?")
                            && l.contains(layer.digest().hex())
                            // The base's repository, its slashes escaped or not.
                            && l.contains("from=" + prefix.split("/")[0])
                            && l.contains("http.response.status=201"));
        }
        sites.awaitReplicated(prefix + "/app", "1", pushed);
        Path back = tmp.resolve("pulled-back");
        Skopeo.require()
                .run(
                        List.of(
                                "copy",
                                "--src-tls-verify=false",
                                "--src-creds",
                                TwoSites.USER + ":" + TwoSites.PASSWORD,
                                "docker://" + router + "/" + target,
                                "dir:" + back),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
        byte[] manifest = Files.readAllBytes(back.resolve("manifest.json"));
        assertThat(Digest.sha256(manifest)).isEqualTo(pushed);
        ParsedManifest parsed = ManifestParser.parse(manifest, null);
        assertThat(parsed.layers()).hasSize(baseManifest.layers().size() + 1);
        for (int i = 0; i < baseManifest.layers().size(); i++) {
            Digest layer = baseManifest.layers().get(i).digest();
            assertThat(parsed.layers().get(i).digest()).isEqualTo(layer);
            assertThat(Files.readAllBytes(back.resolve(layer.hex()))).isEqualTo(corpus.blob("library/alpine", layer));
        }
        Path appLayer = back.resolve(parsed.layers().getLast().digest().hex());
        assertThat(SkopeoDirCheck.sha256(appLayer))
                .isEqualTo(parsed.layers().getLast().digest());
        assertThat(fileInLayer(Files.readAllBytes(appLayer), "app/app.jar")).isEqualTo(appJar);
        matrix.verified("build on a base image of the same registry and push with credentials, base layers "
                + "mounted across repositories; replicated and pulled back byte for byte");
    }

    private static RegistryImage credentials(RegistryImage image) {
        return image.addCredential(TwoSites.USER, TwoSites.PASSWORD);
    }

    /** Runs Jib's build and push, bounded in time (Jib's own HTTP timeouts are per request). */
    private static JibContainer containerize(com.google.cloud.tools.jib.api.JibContainerBuilder builder, String target)
            throws Exception {
        Containerizer to = Containerizer.to(credentials(RegistryImage.named(router + "/" + target)))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(tmp.resolve("jib-cache/base"))
                .setApplicationLayersCache(tmp.resolve("jib-cache/app"))
                .setToolName("georeg-test");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<JibContainer> build = executor.submit(() -> builder.containerize(to));
            return build.get(3, TimeUnit.MINUTES);
        } finally {
            executor.shutdownNow();
        }
    }

    private static List<String> primaryLog() throws Exception {
        return Files.readAllLines(sites.primary.log());
    }

    /** The bytes of {@code name} in a gzip-compressed tar layer (ustar: 512-byte headers, octal sizes). */
    private static byte[] fileInLayer(byte[] layer, String name) throws Exception {
        byte[] tar;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(layer))) {
            tar = in.readAllBytes();
        }
        for (int at = 0; at + 512 <= tar.length && tar[at] != 0; ) {
            String entry = new String(tar, at, 100, StandardCharsets.US_ASCII).replace("\0", "");
            long size = Long.parseLong(
                    new String(tar, at + 124, 12, StandardCharsets.US_ASCII)
                            .replace("\0", "")
                            .strip(),
                    8);
            if (entry.equals(name) || entry.equals("/" + name) || entry.equals("./" + name)) {
                return java.util.Arrays.copyOfRange(tar, at + 512, at + 512 + (int) size);
            }
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        throw new AssertionError("no " + name + " in the application layer");
    }
}
