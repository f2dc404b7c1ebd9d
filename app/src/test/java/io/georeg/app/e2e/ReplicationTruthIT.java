package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.app.cli.GeoregCommand;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication truth seen from outside, the first promise of the one URL: it never serves an image
 * the primary would not, for longer than replication (or, for a lost notification, the next
 * reconcile) takes. Real parts ({@link TwoSites}, one {@code georeg serve}): distribution 2.8 with
 * token auth as the primary, and what the primary did without telling georeg (its notification
 * lost) done through the {@link TwoSites#backdoor()}, then {@code georeg reconcile} run as an
 * operator would; every read goes through the router with the user's token, as a client's would.
 *
 * <p>Each case is a lost notification a reconcile must repair, and each failed before its fix:
 * the reconcile left the replica serving something the primary no longer did, for good.
 */
class ReplicationTruthIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** How long the queue may take to settle after a reconcile on a loaded machine. */
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    /** The primary's storage without notifications: what it does there, georeg does not hear of. */
    static RegistryHttp unnotified;

    @BeforeAll
    static void start() throws Exception {
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, Map.of());
        unnotified = new RegistryHttp(sites.backdoor().url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (unnotified != null) {
            unnotified.close();
        }
        if (sites != null) {
            sites.close();
        }
    }

    /**
     * A tagged image deleted by digest on the primary (its delete event lost: the replicator was
     * down, or distribution restarted with it queued). The reconcile found the tag gone and removed
     * it, but the manifest stayed on the replica, and the router kept serving it by digest (GET and
     * HEAD, 200 from the replica) where the primary answers 404, and the layer deleted with it
     * too. (A layer the primary keeps until its garbage collector runs is served on both sides.)
     */
    @Test
    void imageDeletedWithoutANotificationIsNotServedByDigestAfterReconcile() throws Exception {
        String repository = "truth/deleted";
        TestImage image = TestImages.image(2101);
        Digest digest = pushUnnotified(repository, "v1", image);
        reconcile(repository);
        sites.awaitReplicated(repository, "v1", digest);
        assertThat(read("GET", repository, "manifests/" + digest).statusCode()).isEqualTo(200);

        assertThat(unnotified.deleteManifest(repository, digest.toString()).status())
                .isEqualTo(202);
        // A layer the primary's garbage collector would remove with it; the other stays on the primary.
        Digest deletedLayer = image.layers().get(0).digest();
        Digest keptLayer = image.layers().get(1).digest();
        assertThat(unnotified.deleteBlob(repository, deletedLayer).status()).isEqualTo(202);
        reconcile(repository);
        awaitSettled(repository);

        assertThat(unnotified
                        .getManifest(repository, digest.toString(), RegistryHttp.ACCEPT_ALL)
                        .status())
                .as("the primary")
                .isEqualTo(404);
        for (String method : List.of("GET", "HEAD")) {
            assertThat(answer(method, repository, "manifests/v1"))
                    .as(method + " of the tag")
                    .startsWith("404");
            assertThat(answer(method, repository, "manifests/" + digest))
                    .as(method + " of the deleted manifest by digest")
                    .startsWith("404");
            assertThat(answer(method, repository, "blobs/" + deletedLayer))
                    .as(method + " of the deleted layer")
                    .startsWith("404");
            assertThat(answer(method, repository, "blobs/" + keptLayer))
                    .as(method + " of the layer the primary kept")
                    .startsWith("200");
        }
    }

    /**
     * A tag moved (on the primary, notification lost) to an index one of whose children was then
     * deleted by digest: distribution still serves the tag's index (and the child left). The
     * replicator could not store the index (the replica holds a manifest only with everything it
     * references), failed the tag's work for good, and kept the tag at its old image: the router
     * served that old image for the tag, one the primary no longer serves under it, for good.
     */
    @Test
    void tagMovedToAnIndexWithADeletedChildIsNeverServedAtItsOldImage() throws Exception {
        String repository = "truth/index";
        Digest old = pushUnnotified(repository, "t", TestImages.image(2102));
        reconcile(repository);
        sites.awaitReplicated(repository, "t", old);

        List<TestImage> children = TestImages.multiArch(MediaTypes.OCI_MANIFEST, 2103);
        for (TestImage child : children) {
            pushUnnotified(repository, child.manifest().digest().toString(), child);
        }
        TestManifest index = TestImages.index(MediaTypes.OCI_INDEX, children);
        assertThat(unnotified
                        .putManifest(repository, "t", index.mediaType(), index.content())
                        .status())
                .isEqualTo(201);
        Digest deletedChild = children.get(1).manifest().digest();
        assertThat(unnotified
                        .deleteManifest(repository, deletedChild.toString())
                        .status())
                .isEqualTo(202);
        assertThat(unnotified
                        .getManifest(repository, "t", RegistryHttp.ACCEPT_ALL)
                        .digest())
                .as("the primary serves the index under the tag")
                .hasValue(index.digest());
        reconcile(repository);
        awaitSettled(repository);

        HttpResponse<byte[]> tag = read("GET", repository, "manifests/t");
        assertThat(tag.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(tag.body()))
                .as("the tag through the router (served by %s)", tag.headers().firstValue("X-Georeg-Source"))
                .isEqualTo(index.digest());
        assertThat(answer(
                        "GET",
                        repository,
                        "manifests/" + children.get(0).manifest().digest()))
                .startsWith("200");
        assertThat(answer("GET", repository, "manifests/" + deletedChild)).startsWith("404");
    }

    /**
     * A manifest no tag names any more (its tag moved on), deleted on the primary without a
     * notification: what the primary's garbage collector does ({@code garbage-collect
     * --delete-untagged} tells no one). The replica kept it, and the router served it by digest
     * from the replica for good, where the primary answers 404: a reconcile compared tags only, and
     * no tag led to it. The manifest the moved tag names now, and the layer both images share, stay.
     */
    @Test
    void untaggedManifestTheGarbageCollectorRemovedIsNotServedByDigestAfterReconcile() throws Exception {
        String repository = "truth/untagged";
        TestImage first = TestImages.image(2106);
        Digest old = pushUnnotified(repository, "v1", first);
        reconcile(repository);
        sites.awaitReplicated(repository, "v1", old);
        Digest current = pushUnnotified(repository, "v1", TestImages.image(2107));
        reconcile(repository);
        sites.awaitReplicated(repository, "v1", current);
        awaitSettled(repository);
        assertThat(answer("GET", repository, "manifests/" + old))
                .as("the old image by digest, its tag moved on (the primary still has it)")
                .isEqualTo("200 replica");

        assertThat(unnotified.deleteManifest(repository, old.toString()).status())
                .isEqualTo(202);
        Digest collectedLayer = first.layers().get(0).digest();
        assertThat(unnotified.deleteBlob(repository, collectedLayer).status()).isEqualTo(202);
        reconcile(repository);
        awaitSettled(repository);

        for (String method : List.of("GET", "HEAD")) {
            assertThat(answer(method, repository, "manifests/" + old))
                    .as(method + " of the collected manifest by digest")
                    .startsWith("404");
            assertThat(answer(method, repository, "blobs/" + collectedLayer))
                    .as(method + " of its collected layer")
                    .startsWith("404");
            assertThat(answer(method, repository, "manifests/v1"))
                    .as(method + " of the tag")
                    .isEqualTo("200 replica");
        }
    }

    /**
     * A repository emptied on the primary (every manifest deleted by digest, the notifications
     * lost), then reconciled: its tags list through the router answers as the primary's does.
     * Tried in this hunt and found holding; kept as the check of the tags list's side of a lost
     * delete.
     */
    @Test
    void repositoryEmptiedWithoutNotificationsListsAsThePrimaryAfterReconcile() throws Exception {
        String repository = "truth/emptied/nested";
        Digest first = pushUnnotified(repository, "a", TestImages.image(2104));
        Digest second = pushUnnotified(repository, "b", TestImages.image(2105));
        reconcile(repository);
        sites.awaitReplicated(repository, "a", first);
        sites.awaitReplicated(repository, "b", second);

        for (Digest d : List.of(first, second)) {
            assertThat(unnotified.deleteManifest(repository, d.toString()).status())
                    .isEqualTo(202);
        }
        reconcile(repository);
        awaitSettled(repository);

        RegistryHttp.Answer primary = unnotified.tagsList(repository);
        HttpResponse<byte[]> routed = read("GET", repository, "tags/list");
        assertThat(routed.statusCode() + " " + tagsOf(routed.body()))
                .as(
                        "tags list through the router, the primary answering %s %s",
                        primary.status(), new String(primary.body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(primary.status() + " " + tagsOf(primary.body()));
        for (Digest d : List.of(first, second)) {
            assertThat(answer("GET", repository, "manifests/" + d)).startsWith("404");
        }
    }

    /** The tags a tags list body names, sorted ({@code null} and no body count as none). */
    private static List<String> tagsOf(byte[] body) throws Exception {
        if (body.length == 0) {
            return List.of();
        }
        List<String> tags = new java.util.ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(body)
                .path("tags")
                .forEach(t -> tags.add(t.asText()));
        return tags.stream().sorted().toList();
    }

    private static Digest pushUnnotified(String repository, String reference, TestImage image) {
        RegistryHttp.Answer a = unnotified.push(repository, reference, image);
        assertThat(a.status()).as("push of " + repository + ":" + reference).isEqualTo(201);
        return a.digest().orElseThrow();
    }

    /** {@code georeg reconcile --repository}, as an operator runs it; the site's own workers apply it. */
    private static void reconcile(String repository) {
        StringWriter out = new StringWriter();
        var cli = GeoregCommand.commandLine(sites.environment());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertThat(cli.execute("reconcile", "--repository", repository))
                .as("georeg reconcile: " + out)
                .isZero();
    }

    /** Waits until nothing of the repository is pending or running in the replication queue. */
    private static void awaitSettled(String repository) {
        await().atMost(SETTLE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + repository
                                + "' AND state IN ('pending', 'in_progress')")
                        == 0);
    }

    /** Status and source of a read through the router, e.g. {@code "404 replica"}. */
    private static String answer(String method, String repository, String path) throws Exception {
        HttpResponse<byte[]> r = read(method, repository, path);
        return r.statusCode() + " " + r.headers().firstValue("X-Georeg-Source").orElse("primary");
    }

    private static HttpResponse<byte[]> read(String method, String repository, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(sites.router().resolve("/v2/" + repository + "/" + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + sites.token("repository:" + repository + ":pull"))
                        .header("Accept", RegistryHttp.ACCEPT_ALL)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }
}
