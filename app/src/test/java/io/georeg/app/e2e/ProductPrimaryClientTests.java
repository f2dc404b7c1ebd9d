package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.replicator.primary.PrimaryKind;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo through the router against a primary shaped as GitLab's container registry or Harbor
 * ({@link TwoSites} with that {@link PrimaryKind}: the product's token service and API fake in front
 * of a real distribution, georeg configured for the product as docs/primary-registry.md says),
 * the subclasses naming the product. Every operation is checked byte for byte against the corpus
 * ({@link SkopeoDirCheck}) and becomes a row of docs/compatibility.md:
 *
 * <ol>
 *   <li>content on the primary that georeg never heard of (put there through the backdoor, no
 *       notification) is found by listing the configured namespace through the product's API,
 *       without the catalog the replicator's account is refused, replicated, and pulled through
 *       the router from the replica;</li>
 *   <li>a push through the router is pulled back at once and, once replicated (GitLab: from its
 *       notification; Harbor: by the next poll), from the replica;</li>
 *   <li>a repository outside the namespace, which the replicator's account cannot read but the
 *       user can, is pulled through the router from the primary (fallback), and queues no copy
 *       that would fail ({@code replicator.sync.include} names the namespace).</li>
 * </ol>
 *
 * The classes run one after another in one JVM, so the static state below is each one's own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ProductPrimaryClientTests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static CorpusLayouts corpus;
    static Skopeo skopeo;
    static CompatibilityMatrix.Results matrix;

    /** Starts the two sites with the product's primary; called from the subclass's {@code @BeforeAll}. */
    static void start(PrimaryKind kind, Class<?> test, String primary, String auth) throws Exception {
        skopeo = Skopeo.require();
        matrix = new CompatibilityMatrix.Results(
                "skopeo", Skopeo.version(), primary.formatted("distribution " + Distribution.version()), auth, test);
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, kind, Map.of());
        corpus = CorpusLayouts.write(tmp.resolve("layouts"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (sites != null) {
                sites.close();
            }
        } finally {
            sites = null;
            if (matrix != null) {
                matrix.finish();
                matrix = null;
            }
        }
    }

    /** The namespace georeg replicates ({@code replicator.sync.namespaces}): a GitLab group, a Harbor project. */
    abstract String namespace();

    /** Makes georeg find what the primary has and it does not, as an operator of this product would. */
    abstract void reconcile() throws Exception;

    /** The matrix's words for operation 1: how the content was found and by whom. */
    abstract String reconciledPull();

    /** The matrix's words for operation 2. */
    abstract String pushThenPull();

    @Test
    @Order(1)
    void contentGeoregNeverHeardOfIsListedWithoutTheCatalogReplicatedAndServedByTheReplica() throws Exception {
        String alpine = namespace() + "/base/alpine";
        String multi = namespace() + "/base/multi";
        Digest alpineDigest = sites.push(
                corpus.layout("library/alpine"), "3.19", sites.backdoor().hostPort(), alpine + ":3.19");
        Digest multiDigest = sites.push(
                corpus.layout("team/multiarch"), "v1", sites.backdoor().hostPort(), multi + ":v1");
        assertThat(catalogAsTheReplicator().statusCode())
                .as("the replicator's account gets no catalog")
                .isEqualTo(401);

        reconcile();

        sites.awaitReplicated(alpine, "3.19", alpineDigest);
        sites.awaitReplicated(multi, "v1", multiDigest);
        assertThat(sites.apiRequests()).as("listed through the product's API").isPositive();
        double fromReplica = sites.routerMetric(
                "georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\"");
        double tokenRequests =
                sites.routerMetric("georeg_router_requests_total", "route=\"token\"", "destination=\"auth\"");
        assertPulledByteForByte(alpine + ":3.19", corpus.image("library/alpine", "3.19"), "reconciled-alpine");
        assertThat(sites.routerMetric("georeg_router_requests_total", "route=\"token\"", "destination=\"auth\""))
                .as("skopeo asked the router's authPath for its token")
                .isGreaterThan(tokenRequests);
        assertPulledByteForByte(multi + ":v1", corpus.image("team/multiarch", "v1"), "reconciled-multi");
        assertThat(sites.routerMetric(
                        "georeg_router_requests_total", "route=\"manifest-read\"", "destination=\"replica\""))
                .isGreaterThan(fromReplica);
        assertThat(source(alpine, "3.19")).isEqualTo("replica");
        assertThat(source(multi, "v1")).isEqualTo("replica");
        matrix.verified(reconciledPull());
    }

    @Test
    @Order(2)
    void aPushThroughTheRouterIsPulledBackAtOnceAndFromTheReplicaOnceReplicated() throws Exception {
        String app = namespace() + "/app/multi";
        CorpusImage image = corpus.image("team/multiarch", "v1");
        Digest pushed = sites.push(corpus.layout("team/multiarch"), "v1", sites.routerHostPort(), app + ":v1");
        assertThat(pushed).isEqualTo(image.digest());

        assertPulledByteForByte(app + ":v1", image, "pushed-at-once");
        sites.awaitReplicated(app, "v1", pushed);
        assertPulledByteForByte(app + ":v1", image, "pushed-replicated");
        // The push's fence keeps the tag's reads on the primary until every registry-read's cache
        // can have heard of the replicated tag (replica.cache.tagTtl after registry-read first
        // showed it); then the replica serves it.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> source(app, "v1").equals("replica"));
        matrix.verified(pushThenPull());
    }

    @Test
    @Order(3)
    void aRepositoryOutsideTheNamespaceIsPulledFromThePrimaryThroughTheRouter() throws Exception {
        String outside = "outside/tools/alpine";
        Digest pushed = sites.push(
                corpus.layout("library/alpine"), "3.19", sites.backdoor().hostPort(), outside + ":3.19");

        assertThat(source(outside, "3.19")).isEqualTo("primary-fallback");
        assertPulledByteForByte(outside + ":3.19", corpus.image("library/alpine", "3.19"), "outside");
        assertThat(pushed).isEqualTo(corpus.image("library/alpine", "3.19").digest());
        // Without replicator.sync.include the fallback queued a copy (cache on miss) that the account's
        // 401 failed for good.
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE repository LIKE 'outside/%'"))
                .as("nothing queued outside the namespace")
                .isZero();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'"))
                .isZero();
        matrix.verified("pull with credentials of a repository outside `replicator.sync.namespaces`, which the "
                + "replicator's account cannot read: answered by the primary through the router (fallback)");
    }

    /** Pulls {@code reference} through the router with skopeo ({@code copy --all}) and compares it with the corpus. */
    static void assertPulledByteForByte(String reference, CorpusImage image, String name) throws Exception {
        // skopeo's dir: transport creates the last directory only.
        Path dir = Files.createDirectories(tmp.resolve("pulled")).resolve(name);
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--src-tls-verify=false",
                                "--src-creds",
                                TwoSites.USER + ":" + TwoSites.PASSWORD,
                                "docker://" + sites.routerHostPort() + "/" + reference,
                                "dir:" + dir),
                        Duration.ofMinutes(1))
                .requireSuccess();
        assertThat(SkopeoDirCheck.differences(dir, image, corpus.repository(image.repository())))
                .as(reference)
                .isEmpty();
    }

    /** Who the router says answered a read of the tag's manifest ({@code X-Georeg-Source}). */
    static String source(String repository, String tag) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://" + sites.routerHostPort() + "/v2/" + repository + "/manifests/" + tag))
                        .header("Authorization", "Bearer " + sites.token("repository:" + repository + ":pull"))
                        .header("Accept", MediaTypes.ACCEPT_EVERY_MANIFEST)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(repository + ":" + tag).isEqualTo(200);
        return r.headers().firstValue("X-Georeg-Source").orElse("");
    }

    /** The primary's catalog read with the token its token service gives the replicator's account. */
    static HttpResponse<String> catalogAsTheReplicator() throws Exception {
        Map<String, String> env = sites.environment();
        String password = Files.readString(Path.of(env.get("GEOREG_REPLICATOR_PRIMARY_PASSWORD_FILE")))
                .strip();
        String token =
                sites.tokenFromService(env.get("GEOREG_REPLICATOR_PRIMARY_USERNAME"), password, "registry:catalog:*");
        return HTTP.send(
                HttpRequest.newBuilder(sites.primary.url().resolve("/v2/_catalog"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
