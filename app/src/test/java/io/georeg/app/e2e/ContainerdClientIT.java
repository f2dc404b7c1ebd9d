package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
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
 * for byte with the corpus. The last cases take the primary site down (outage tokens on, {@code
 * auth.outage}): all of it, then its token service alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdClientIT {
    private static final String CREDENTIALS = TwoSites.USER + ":" + TwoSites.PASSWORD;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static CorpusLayouts corpus;
    static Containerd containerd;
    static String router;
    static CompatibilityMatrix.Results matrix;
    /** The multi-arch index ctr/multiarch:v1 names, and the image unreplicated/alpine:latest names. */
    static Digest index;

    static Digest unreplicated;

    @BeforeAll
    static void start() throws Exception {
        Containerd.require();
        Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "containerd", Containerd.version(), "distribution " + Distribution.version(), ContainerdClientIT.class);
        Map<String, String> settings = new java.util.HashMap<>(TwoSites.outageTokens(tmp, "containerd-site-b"));
        // Never replicated: the pulls of this repository are always fallbacks to the primary.
        settings.put("GEOREG_REPLICATOR_SYNC_EXCLUDE", "unreplicated/*");
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, settings);
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
        index = sites.push(corpus.layout("team/multiarch"), "v1", sites.primary.hostPort(), "ctr/multiarch:v1");
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
        unreplicated = image;
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

        ToolProcess.Result push = containerd.ctr(pushArguments("ctr/pushed:1"));

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

    /**
     * The primary site down, registry and token service: a node that restarted (no image, no
     * token) pulls what is replicated with outage tokens, and is told with a 503 what is not. On
     * the main branch before this case the unreplicated pull failed with "not found" (the replica's
     * 404 {@code NAME_UNKNOWN} "repository name not known to registry", podman said so), as if the
     * image did not exist, while it is on the primary that cannot be asked.
     */
    @Test
    @Order(4)
    void duringAnOutageOfThePrimarySiteItPullsWhatIsReplicatedAndIsToldWhatIsNotRatherThanNotFound() throws Exception {
        sites.primary.stop();
        sites.tokens.stop();
        try {
            await().atMost(TwoSites.REPLICATION_WAIT)
                    .until(() -> sites.routerMetric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0
                            && sites.routerMetric("georeg_router_circuit_open", "upstream=\"primary\"") == 1.0);
            containerd
                    .ctr("images", "rm", "--sync", router + "/ctr/multiarch:v1", router + "/unreplicated/alpine:latest")
                    .requireSuccess();

            List<CtrHttpDump.Exchange> exchanges = pull("ctr/multiarch:v1", "--platform", "linux/amd64");

            assertThat(imageTarget("ctr/multiarch:v1")).isEqualTo(index);
            assertStoredAsInTheCorpus("team/multiarch", index);
            assertThat(reads(exchanges, "ctr/multiarch"))
                    .extracting(CtrHttpDump.Exchange::source)
                    .isNotEmpty()
                    .containsOnly("replica");
            // Its OAuth2 POST, the credentials in its form, gets the outage token for what these
            // credentials pulled through the router. On the main branch before, the shield read Basic
            // credentials only: the POST was anonymous (401), and only containerd's GET with Basic
            // after it got the token.
            assertThat(tokenRequests(exchanges)).isNotEmpty().containsOnly("POST 200 outage-token");

            // A push to a repository never pulled here: only the primary can grant it. On the main
            // branch before, its token request was refused 401, as if the password were wrong.
            containerd
                    .ctr("images", "tag", router + "/ctr/pushed:1", router + "/ctr/outage-push:1")
                    .requireSuccess();
            ToolProcess.Result push = containerd.ctr(pushArguments("ctr/outage-push:1"));
            assertThat(push.exitCode()).as(push.stderr()).isNotZero();
            assertThat(tokenRequests(CtrHttpDump.parse(push.stderr())))
                    .isNotEmpty()
                    .containsOnly("POST 503 outage-token");
            assertThat(ctrError(push))
                    .isEqualTo("ctr: failed to authorize: failed to fetch oauth token: unexpected status: "
                            + "503 Service Unavailable");

            assertPullOfUnreplicatedAnswered503(
                    routerToken("repository:unreplicated/alpine:pull"),
                    ": not found",
                    "the primary site that would have it is unreachable");
            matrix.verified("pull with credentials during an outage of the primary site (registry and token "
                    + "service): outage token (OAuth2 POST), a replicated multi-arch index from the replica; an image "
                    + "not replicated fails at once with 503 UNAVAILABLE, not \"not found\"; a push fails at its token "
                    + "request with 503, not 401");
        } finally {
            sites.tokens.restart();
            sites.primary.restart();
        }
    }

    /**
     * Only the token service down, the registry up: what is replicated is served with outage
     * tokens, and a pull of what is not cannot fall back, since the primary refuses the site's
     * tokens: a 503 says so. On the main branch before this case the fallback took the outage token
     * to the primary, whose 401 sent containerd back to the router for another outage token, and
     * the pull failed with "pull access denied, repository does not exist or may require
     * authorization: server message: invalid_token" (podman: "authentication required"), as if the
     * credentials were wrong. Once the token service is back, that same outage token gets the
     * primary's 401 challenge naming the router's token endpoint, and the pull works.
     */
    @Test
    @Order(5)
    void withOnlyTheTokenServiceDownAPullOfWhatIsNotReplicatedIsToldWhyNotSentToThePrimaryWithAnOutageToken()
            throws Exception {
        await().atMost(TwoSites.REPLICATION_WAIT)
                .until(() -> sites.routerMetric("georeg_router_circuit_open", "upstream=\"primary\"") == 0.0
                        && sites.routerMetric("georeg_router_circuit_open", "upstream=\"auth\"") == 0.0);
        // Pushed through the router to a repository never replicated: its read-your-writes fence pins
        // its reads to the primary for as long as the fence lives.
        containerd
                .ctr("images", "tag", router + "/ctr/pushed:1", router + "/unreplicated/pushed:1")
                .requireSuccess();
        containerd.ctr(pushArguments("unreplicated/pushed:1")).requireSuccess();
        sites.tokens.stop();
        String outageToken;
        try {
            await().atMost(TwoSites.REPLICATION_WAIT)
                    .until(() -> sites.routerMetric("georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);

            outageToken = routerToken("repository:unreplicated/alpine:pull");
            assertPullOfUnreplicatedAnswered503(
                    outageToken, "invalid_token", "the primary cannot be asked with this site's outage token");

            // The pinned read: on the main branch before, it went to the primary with the outage token,
            // whose 401 sent containerd back for another, and the pull failed as if the credentials
            // were wrong ("pull access denied … invalid_token").
            ToolProcess.Result pinned = containerd.ctr(pullArguments("unreplicated/pushed:1"));
            assertThat(pinned.exitCode()).as(pinned.stderr()).isNotZero();
            // The one 401 is the challenge to its first request, sent without a token.
            assertThat(CtrHttpDump.parse(pinned.stderr()))
                    .filteredOn(e -> e.path().startsWith("/v2/unreplicated/pushed/manifests/"))
                    .extracting(CtrHttpDump.Exchange::status)
                    .startsWith(401)
                    .containsOnlyOnce(401)
                    .containsOnly(401, 503);
            assertThat(ctrError(pinned)).contains("503 Service Unavailable").doesNotContain("invalid_token");
            HttpResponse<String> manifest =
                    manifest("unreplicated/pushed", "1", routerToken("repository:unreplicated/pushed:pull"));
            assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(503);
            assertThat(JSON.readTree(manifest.body())
                            .path("errors")
                            .path(0)
                            .path("message")
                            .asText())
                    .startsWith("unreplicated/pushed:1 was written through this site and its replica does not show")
                    .contains("the primary cannot be asked with this site's outage token");
        } finally {
            sites.tokens.restart();
        }
        await().atMost(TwoSites.REPLICATION_WAIT)
                .until(() -> sites.routerMetric("georeg_router_circuit_open", "upstream=\"auth\"") == 0.0);

        HttpResponse<String> challenged = unreplicatedManifest(outageToken);

        assertThat(challenged.statusCode()).as(challenged.body()).isEqualTo(401);
        assertThat(challenged.headers().firstValue("WWW-Authenticate"))
                .get()
                .asString()
                .startsWith(
                        "Bearer realm=\"http://" + router + sites.tokens.realm().getPath() + "\"")
                .contains("error=\"invalid_token\"");
        pull("unreplicated/alpine:latest");
        assertThat(imageTarget("unreplicated/alpine:latest")).isEqualTo(unreplicated);
        matrix.verified("pull with credentials while only the token service is down: an image not replicated, "
                + "or pushed through the router and not yet shown by the replica (read-your-writes), fails at once "
                + "with 503 UNAVAILABLE, not a 401 loop; once the token service is back the outage token gets the "
                + "primary's challenge and the pull works");
    }

    /**
     * ctr's pull of unreplicated/alpine:latest fails on a 503 to its manifest requests, never a 404,
     * and without {@code notInCtrOutput} (what it said on the main branch before); a {@code GET} of
     * the manifest with {@code token} shows the 503's OCI error, which says {@code why}.
     */
    private static void assertPullOfUnreplicatedAnswered503(String token, String notInCtrOutput, String why)
            throws Exception {
        ToolProcess.Result unreplicated = containerd.ctr(pullArguments("unreplicated/alpine:latest"));

        assertThat(unreplicated.exitCode()).as(unreplicated.stderr()).isNotZero();
        assertThat(CtrHttpDump.parse(unreplicated.stderr()))
                .filteredOn(e -> e.path().startsWith("/v2/unreplicated/alpine/manifests/"))
                .extracting(CtrHttpDump.Exchange::status)
                .contains(503)
                .doesNotContain(404, 200);
        assertThat(unreplicated.stderr()).contains("503 Service Unavailable").doesNotContain(notInCtrOutput);
        // What the 503 says, to a client that shows it: not replicated, and why the primary was not asked.
        HttpResponse<String> manifest = unreplicatedManifest(token);
        assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(503);
        JsonNode error = JSON.readTree(manifest.body()).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.path("message").asText())
                .startsWith("unreplicated/alpine:latest is not replicated to this site")
                .contains(why);
    }

    /** A token from the router's token endpoint for {@code scope}, with the user's credentials. */
    private static String routerToken(String scope) throws Exception {
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://" + router + sites.tokens.realm().getPath() + "?service="
                                        + sites.issuer.service() + "&scope=" + scope))
                        .header("Authorization", "Basic " + b64(CREDENTIALS))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("token").asText();
    }

    /** {@code GET} of unreplicated/alpine:latest's manifest through the router with {@code token}. */
    private static HttpResponse<String> unreplicatedManifest(String token) throws Exception {
        return manifest("unreplicated/alpine", "latest", token);
    }

    /** {@code GET} of a manifest through the router with {@code token}. */
    private static HttpResponse<String> manifest(String repository, String reference, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + "/v2/" + repository + "/manifests/" + reference))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What ctr says when it fails: its last line that starts with {@code ctr: }. */
    private static String ctrError(ToolProcess.Result result) {
        return result.stderr()
                .lines()
                .filter(l -> l.startsWith("ctr: "))
                .reduce((first, second) -> second)
                .orElse("");
    }

    /** The token requests of a dump: method, status and who answered ({@code X-Georeg-Source}). */
    private static List<String> tokenRequests(List<CtrHttpDump.Exchange> exchanges) {
        return exchanges.stream()
                .filter(e -> e.path().startsWith(sites.tokens.realm().getPath()))
                .map(e -> e.method() + " " + e.status() + " " + e.source())
                .toList();
    }

    /** The arguments of {@code ctr images push} of {@code reference} to the router with credentials. */
    private static String[] pushArguments(String reference) {
        return new String[] {
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
            router + "/" + reference
        };
    }

    /** {@code ctr images pull} of {@code reference} at the router with credentials; its HTTP exchanges. */
    private static List<CtrHttpDump.Exchange> pull(String reference, String... options) {
        ToolProcess.Result pull =
                containerd.ctr(pullArguments(reference, options)).requireSuccess();
        return CtrHttpDump.parse(pull.stderr());
    }

    /** The arguments of {@code ctr images pull} of {@code reference} at the router with credentials. */
    private static String[] pullArguments(String reference, String... options) {
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
        return args.toArray(String[]::new);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
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
