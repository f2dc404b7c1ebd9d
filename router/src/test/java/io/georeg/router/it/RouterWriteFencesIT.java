package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.oci.RepositoryName;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.router.Router;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-your-writes for every kind of write through the router (issue 10, failure 4): right after
 * a delete, a new tag, a new repository or a referrer push through the router, a read through it
 * never shows the state from before the write, although the replica has not applied it yet;
 * once the replica shows the write, its fence is cleared and the replica answers again. The real
 * primary (distribution 2.8, deletes enabled), the real registry-read hosted in the router's
 * process over a replica that this test writes as the replicator would (so it lags exactly as
 * long as the test says), real PostgreSQL.
 */
class RouterWriteFencesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SBOM = "application/vnd.example.sbom.v1+json";
    private static final String SIGNATURE = "application/vnd.example.signature.v1+json";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static RouterFixtures.RegistryRead replica;
    static DatabaseReplicaWriter writer;
    static Distribution primary;
    static Router router;
    static RegistryHttp client;

    @BeforeAll
    static void start() throws Exception {
        Database database = FIXTURES.database(DB);
        replica = FIXTURES.registryRead(database, tmp.resolve("replica-storage"));
        writer = replica.writer();
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        router = FIXTURES.add(
                LoopbackRouter.start(primary.url(), replica.uncached(), LoopbackRouter.withFences(database)));
        client = FIXTURES.add(new RegistryHttp(router.localUrl()));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void aManifestDeletedThroughTheRouterIsGoneByTagByDigestAndFromTheTagsListAtOnce() throws Exception {
        TestImage image = TestImages.image(701);
        pushAndReplicate("fences/deleted", "v1", image);
        String byDigest = "/v2/fences/deleted/manifests/" + image.manifest().digest();

        assertThat(client.deleteManifest(
                                "fences/deleted", image.manifest().digest().toString())
                        .status())
                .isEqualTo(202);

        assertThat(read("/v2/fences/deleted/manifests/v1").status()).isEqualTo(404);
        assertThat(read(byDigest).status()).isEqualTo(404);
        assertThat(tags("fences/deleted")).doesNotContain("v1");

        // The replicator applies the delete: the fence clears, the replica answers (404s) again.
        writer.deleteManifest(
                RepositoryName.of("fences/deleted"), image.manifest().digest());
        assertThat(read(byDigest).status()).isEqualTo(404);
        assertThat(fences("fences/deleted")).isZero();
    }

    @Test
    void aBlobDeletedThroughTheRouterIsGoneAtOnce() throws Exception {
        TestImage image = TestImages.image(702);
        pushAndReplicate("fences/blob", "v1", image);
        String layer = "/v2/fences/blob/blobs/" + image.layers().getFirst().digest();
        assertThat(read(layer).source()).hasValue("replica");

        assertThat(client.deleteBlob("fences/blob", image.layers().getFirst().digest())
                        .status())
                .isEqualTo(202);

        RegistryHttp.Answer afterDelete = read(layer);
        assertThat(afterDelete.status()).isEqualTo(404);
        assertThat(afterDelete.source()).hasValue("primary-fenced");

        writer.unlinkBlob(
                RepositoryName.of("fences/blob"), image.layers().getFirst().digest());
        assertThat(read(layer).status()).isEqualTo(404);
        assertThat(fences("fences/blob")).isZero();
    }

    @Test
    void aTagPushedThroughTheRouterIsInTheTagsListAtOnceWithPagination() throws Exception {
        pushAndReplicate("fences/tags", "v1", TestImages.image(703));
        TestImage v2 = TestImages.image(704);
        assertThat(client.push("fences/tags", "v2", v2).status()).isEqualTo(201);

        assertThat(tags("fences/tags")).containsExactly("v1", "v2");
        assertThat(tagsPage("/v2/fences/tags/tags/list?n=1&last=v1")).containsExactly("v2");

        replica.replicate("fences/tags", "v2", v2);
        RegistryHttp.Answer caughtUp = read("/v2/fences/tags/tags/list?n=1&last=v1");
        assertThat(caughtUp.source()).hasValue("replica");
        assertThat(JSON.readTree(caughtUp.body()).path("tags").toString()).isEqualTo("[\"v2\"]");
    }

    @Test
    void aTagsListAnsweredByThePrimaryWhileFencedIsPaginatedAsTheReplicaWouldPaginateIt() throws Exception {
        pushAndReplicate("fences/pages", "a1", TestImages.image(707));
        for (int i = 0; i < 4; i++) {
            assertThat(client.push("fences/pages", "b" + i, TestImages.image(7070 + i))
                            .status())
                    .isEqualTo(201);
        }

        // distribution 2.8 ignores n and last: the router cuts the primary's list itself.
        RegistryHttp.Answer first = read("/v2/fences/pages/tags/list?n=2");
        assertThat(first.source()).hasValue("primary-fenced");
        assertThat(JSON.readTree(first.body()).path("tags").toString()).isEqualTo("[\"a1\",\"b0\"]");
        assertThat(JSON.readTree(first.body()).path("name").asText()).isEqualTo("fences/pages");
        assertThat(first.header("Link")).hasValue("</v2/fences/pages/tags/list?last=b0&n=2>; rel=\"next\"");

        RegistryHttp.Answer second = read("/v2/fences/pages/tags/list?last=b0&n=2");
        assertThat(JSON.readTree(second.body()).path("tags").toString()).isEqualTo("[\"b1\",\"b2\"]");
        assertThat(second.header("Link")).hasValue("</v2/fences/pages/tags/list?last=b2&n=2>; rel=\"next\"");

        RegistryHttp.Answer third = read("/v2/fences/pages/tags/list?last=b2&n=2");
        assertThat(JSON.readTree(third.body()).path("tags").toString()).isEqualTo("[\"b3\"]");
        assertThat(third.header("Link")).isEmpty();

        assertThat(tagsPage("/v2/fences/pages/tags/list?last=b1")).containsExactly("b2", "b3");
        assertThat(tagsPage("/v2/fences/pages/tags/list?n=0")).isEmpty();
        assertThat(tags("fences/pages")).containsExactly("a1", "b0", "b1", "b2", "b3");

        // A page the replica refuses is the replica's 400, fenced or not.
        RegistryHttp.Answer refused = read("/v2/fences/pages/tags/list?n=-1");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.source()).hasValue("replica");
        assertThat(new String(refused.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("PAGINATION_NUMBER_INVALID");
    }

    @Test
    void aRepositoryCreatedThroughTheRouterIsInTheCatalogAtOnce() throws Exception {
        TestImage image = TestImages.image(705);
        assertThat(client.push("fences/brand-new", "v1", image).status()).isEqualTo(201);

        assertThat(catalog()).contains("fences/brand-new");

        replica.replicate("fences/brand-new", "v1", image);
        RegistryHttp.Answer caughtUp = read("/v2/_catalog?n=1000");
        assertThat(caughtUp.source()).hasValue("replica");
        assertThat(JSON.readTree(caughtUp.body()).path("repositories").toString())
                .contains("fences/brand-new");
    }

    @Test
    void referrersPushedThroughTheRouterAreListedAtOnceAndThePushSaysOciSubject() throws Exception {
        TestImage subject = TestImages.image(706);
        pushAndReplicate("fences/signed", "v1", subject);
        List<TestImage> referrers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestImage artifact = TestImages.artifact(
                    7060 + i, subject.manifest(), i == 0 ? SIGNATURE : SBOM, Map.of("n", Integer.toString(i)));
            RegistryHttp.Answer put =
                    client.push("fences/signed", artifact.manifest().digest().toString(), artifact);
            assertThat(put.status()).isEqualTo(201);
            assertThat(put.header("OCI-Subject"))
                    .hasValue(subject.manifest().digest().toString());
            referrers.add(artifact);
        }
        String list = "/v2/fences/signed/referrers/" + subject.manifest().digest();

        JsonNode all = JSON.readTree(read(list).body());
        assertThat(digests(all))
                .containsExactlyInAnyOrder(referrers.stream()
                        .map(r -> r.manifest().digest().toString())
                        .toArray(String[]::new));
        assertThat(all.path("manifests").get(0).path("artifactType").asText()).isIn(SBOM, SIGNATURE);
        RegistryHttp.Answer sboms = read(list + "?artifactType=" + URLEncoder.encode(SBOM, StandardCharsets.UTF_8));
        assertThat(sboms.header("OCI-Filters-Applied")).hasValue("artifactType");
        assertThat(digests(JSON.readTree(sboms.body())))
                .containsExactlyInAnyOrder(
                        referrers.get(1).manifest().digest().toString(),
                        referrers.get(2).manifest().digest().toString());

        // One referrer replicated, then deleted through the router: gone from the list at once.
        TestImage first = referrers.getFirst();
        replica.replicate("fences/signed", null, first);
        assertThat(client.deleteManifest(
                                "fences/signed", first.manifest().digest().toString())
                        .status())
                .isEqualTo(202);
        assertThat(digests(JSON.readTree(read(list).body())))
                .containsExactlyInAnyOrder(
                        referrers.get(1).manifest().digest().toString(),
                        referrers.get(2).manifest().digest().toString());

        // The replica catches up: its own list is the answer and the referrer fences are cleared.
        writer.deleteManifest(
                RepositoryName.of("fences/signed"), first.manifest().digest());
        replica.replicate("fences/signed", null, referrers.get(1));
        replica.replicate("fences/signed", null, referrers.get(2));
        assertThat(digests(JSON.readTree(read(list).body())))
                .containsExactlyInAnyOrder(
                        referrers.get(1).manifest().digest().toString(),
                        referrers.get(2).manifest().digest().toString());
        assertThat(fences("fences/signed", "referrer")).isZero();
    }

    private static void pushAndReplicate(String repository, String tag, TestImage image) throws Exception {
        assertThat(client.push(repository, tag, image).status()).isEqualTo(201);
        replica.replicate(repository, tag, image);
        // The replica shows the push: the next read clears its fence and is the replica's.
        assertThat(read("/v2/" + repository + "/manifests/" + tag).source()).hasValue("replica");
    }

    private static RegistryHttp.Answer read(String path) {
        return client.get(path, RegistryHttp.ACCEPT_ALL);
    }

    private static List<String> tags(String repository) throws Exception {
        return tagsPage("/v2/" + repository + "/tags/list");
    }

    private static List<String> tagsPage(String path) throws Exception {
        RegistryHttp.Answer r = read(path);
        List<String> tags = new ArrayList<>();
        if (r.status() == 200) {
            JSON.readTree(r.body()).path("tags").forEach(t -> tags.add(t.asText()));
        }
        return tags;
    }

    private static List<String> catalog() throws Exception {
        List<String> repositories = new ArrayList<>();
        JSON.readTree(read("/v2/_catalog?n=1000").body())
                .path("repositories")
                .forEach(r -> repositories.add(r.asText()));
        return repositories;
    }

    private static List<String> digests(JsonNode index) {
        List<String> digests = new ArrayList<>();
        index.path("manifests").forEach(m -> digests.add(m.path("digest").asText()));
        return digests;
    }

    private static int fences(String repository) throws Exception {
        return fences(repository, null);
    }

    private static int fences(String repository, String kind) throws Exception {
        try (Connection c = DB.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM router_fences WHERE repository = ? AND (? IS NULL OR kind = ?)")) {
            s.setString(1, repository);
            s.setString(2, kind);
            s.setString(3, kind);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
