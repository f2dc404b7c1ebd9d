package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ParsedManifest;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Containerd;
import io.georeg.testkit.tools.CtrHttpDump;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import io.georeg.testkit.tools.ToolProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd, the client of every Kubernetes node, pulling and pushing through the router in
 * front of the token-auth distribution primary of {@link TwoSites}: Debian's containerd runs as
 * the test's own process (root, state and socket under the test's directory, {@link Containerd}),
 * Debian's {@code ctr} talks to the router's URL only, declared plain HTTP by a {@code hosts.toml}
 * ({@code --hosts-dir}), with the user's credentials ({@code --user}: containerd then fetches its
 * tokens from the realm the router names). {@code --http-dump} shows which site answered each
 * request ({@code X-Georeg-Source}). Every manifest and blob containerd stored is compared byte
 * for byte with the corpus.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdClientIT {
    private static final String CREDENTIALS = TwoSites.USER + ":" + TwoSites.PASSWORD;

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static CorpusLayouts corpus;
    static Containerd containerd;
    static String router;
    static CompatibilityMatrix.Results matrix;

    @BeforeAll
    static void start() throws Exception {
        Containerd.require();
        Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "containerd", Containerd.version(), "distribution " + Distribution.version(), ContainerdClientIT.class);
        // Never replicated: the pulls of this repository are always fallbacks to the primary.
        sites = new TwoSites(
                DB, tmp, TwoSites.Shape.ONE_PROCESS, Map.of("GEOREG_REPLICATOR_SYNC_EXCLUDE", "unreplicated/*"));
        router = sites.routerHostPort();
        corpus = CorpusLayouts.write(tmp.resolve("layouts"));
        containerd = Containerd.start(Files.createDirectories(tmp.resolve("containerd")));
        containerd.plainHttpHost(router);
    }

    @AfterAll
    static void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        if (sites != null) {
            sites.close();
        }
        if (matrix != null) {
            matrix.finish();
        }
    }

    @Test
    @Order(1)
    void pullsAReplicatedMultiArchIndexForItsPlatformEntirelyFromTheReplica() throws Exception {
        // Pushed at the primary directly (no read-your-writes fence at the router), then replicated.
        Digest index = sites.push(corpus.layout("team/multiarch"), "v1", sites.primary.hostPort(), "ctr/multiarch:v1");
        sites.awaitReplicated("ctr/multiarch", "v1", index);

        List<CtrHttpDump.Exchange> exchanges = pull("ctr/multiarch:v1", "--platform", "linux/amd64");

        assertThat(reads(exchanges, "ctr/multiarch"))
                .as("manifest and blob reads answered 200")
                .extracting(CtrHttpDump.Exchange::source)
                .hasSizeGreaterThanOrEqualTo(4)
                .containsOnly("replica");
        assertThat(imageTarget("ctr/multiarch:v1")).isEqualTo(index);
        ParsedManifest amd64 = corpus.platformImage("team/multiarch", index, "amd64");
        ParsedManifest arm64 = corpus.platformImage("team/multiarch", index, "arm64");
        assertStoredAsInTheCorpus("team/multiarch", index);
        assertStoredAsInTheCorpus("team/multiarch", amd64.digest());
        // Resolved for the platform: nothing of the other platform's image was fetched.
        String stored =
                containerd.ctr("content", "ls", "--quiet").requireSuccess().output();
        assertThat(stored).doesNotContain(arm64.digest().toString());
        for (Descriptor layer : arm64.layers()) {
            if (!amd64.layers().contains(layer)) {
                assertThat(stored).doesNotContain(layer.digest().toString());
            }
        }
        matrix.verified("pull with credentials of a multi-arch OCI index, resolved for linux/amd64, "
                + "replicated: every manifest and blob from the replica");
    }

    @Test
    @Order(2)
    void pullsContentNotYetReplicatedFromThePrimaryThroughTheRouter() throws Exception {
        Digest image = sites.push(
                corpus.layout("library/alpine"), "latest", sites.primary.hostPort(), "unreplicated/alpine:latest");
        double before = sites.routerMetric("georeg_router_fallbacks_total", "outcome=\"primary\"");

        List<CtrHttpDump.Exchange> exchanges = pull("unreplicated/alpine:latest");

        assertThat(reads(exchanges, "unreplicated/alpine"))
                .extracting(CtrHttpDump.Exchange::source)
                .hasSizeGreaterThanOrEqualTo(3)
                .containsOnly("primary-fallback");
        assertThat(sites.routerMetric("georeg_router_fallbacks_total", "outcome=\"primary\""))
                .isGreaterThan(before);
        assertThat(imageTarget("unreplicated/alpine:latest")).isEqualTo(image);
        assertStoredAsInTheCorpus("library/alpine", image);
        matrix.verified("pull with credentials of an OCI image not yet replicated: answered by the primary "
                + "through the router (fallback)");
    }

    @Test
    @Order(3)
    void pushesThroughTheRouterMountingBlobsFromAnotherRepositoryAndThePushIsPulledBackByteForByte() throws Exception {
        Digest image = imageTarget("unreplicated/alpine:latest");
        containerd
                .ctr("images", "tag", router + "/unreplicated/alpine:latest", router + "/ctr/pushed:1")
                .requireSuccess();

        ToolProcess.Result push = containerd.ctr(
                "images",
                "push",
                "--user",
                CREDENTIALS,
                "--hosts-dir",
                containerd.hostsDir().toString(),
                "--http-dump",
                // One request at a time: the dump's lines of concurrent requests would interleave.
                "--max-concurrent-uploaded-layers",
                "1",
                router + "/ctr/pushed:1");

        push.requireSuccess();
        List<CtrHttpDump.Exchange> exchanges = CtrHttpDump.parse(push.stderr());
        // containerd knows where it pulled each blob from and asks the primary to mount it (201).
        assertThat(exchanges)
                .filteredOn(e -> e.method().equals("POST")
                        && e.path().startsWith("/v2/ctr/pushed/blobs/uploads/?")
                        && e.path().contains("mount=sha256:")
                        && e.path().contains("from="))
                .extracting(CtrHttpDump.Exchange::status)
                .isNotEmpty()
                .containsOnly(201);
        assertThat(exchanges)
                .filteredOn(e -> e.method().equals("PUT") && e.path().equals("/v2/ctr/pushed/manifests/1"))
                .extracting(CtrHttpDump.Exchange::status)
                .containsExactly(201);
        sites.awaitReplicated("ctr/pushed", "1", image);
        Path back = tmp.resolve("pushed-back");
        Skopeo.require()
                .run(
                        List.of(
                                "copy",
                                "--all",
                                "--src-tls-verify=false",
                                "--src-creds",
                                CREDENTIALS,
                                "docker://" + router + "/ctr/pushed:1",
                                "dir:" + back),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
        assertThat(SkopeoDirCheck.differences(
                        back,
                        new CorpusImage("ctr/pushed", "1", image, "", "pushed by containerd"),
                        corpus.repository("library/alpine")))
                .isEmpty();
        matrix.verified("push with credentials, layers mounted from another repository; replicated and "
                + "pulled back byte for byte");
    }

    /** {@code ctr images pull} of {@code reference} at the router with credentials; its HTTP exchanges. */
    private static List<CtrHttpDump.Exchange> pull(String reference, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "images",
                "pull",
                "--user",
                CREDENTIALS,
                "--hosts-dir",
                containerd.hostsDir().toString(),
                "--http-dump",
                // One request at a time: the dump's lines of concurrent requests would interleave.
                "--max-concurrent-downloads",
                "1"));
        args.addAll(List.of(options));
        args.add(router + "/" + reference);
        ToolProcess.Result pull = containerd.ctr(args.toArray(String[]::new)).requireSuccess();
        return CtrHttpDump.parse(pull.stderr());
    }

    /** The successful manifest and blob reads of a repository. */
    private static List<CtrHttpDump.Exchange> reads(List<CtrHttpDump.Exchange> exchanges, String repository) {
        return exchanges.stream()
                .filter(e -> e.method().equals("GET") || e.method().equals("HEAD"))
                .filter(e -> e.path().startsWith("/v2/" + repository + "/manifests/")
                        || e.path().startsWith("/v2/" + repository + "/blobs/"))
                .filter(e -> e.status() == 200)
                .toList();
    }

    /** The digest containerd's image record points at. */
    private static Digest imageTarget(String reference) {
        for (String line :
                containerd.ctr("images", "ls").requireSuccess().output().lines().toList()) {
            String[] cells = line.trim().split("\\s+");
            if (cells.length > 2 && cells[0].equals(router + "/" + reference)) {
                return Digest.parse(cells[2]);
            }
        }
        throw new AssertionError("containerd has no image " + router + "/" + reference);
    }

    /** The manifest, and for an image its config and layers, are in containerd's content store with the corpus's bytes. */
    private static void assertStoredAsInTheCorpus(String repository, Digest manifest) {
        assertThat(containerd.content(manifest.toString()))
                .as("manifest " + manifest)
                .isEqualTo(corpus.manifestBytes(repository, manifest));
        for (Descriptor blob : corpus.manifest(repository, manifest).blobs()) {
            assertThat(containerd.content(blob.digest().toString()))
                    .as("blob " + blob.digest())
                    .isEqualTo(corpus.blob(repository, blob.digest()));
        }
    }
}
