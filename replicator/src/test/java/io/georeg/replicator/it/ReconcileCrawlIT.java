package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.StandInPrimary;
import io.georeg.testkit.db.TestDatabase;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the reconcile crawl asks the primary: a tag the replica lacks is queued from the tags list
 * alone (the worker's GET of the tag decides what it becomes), a tag the replica has is compared
 * by a HEAD, and only what moved or went is queued. The stand-in primary has no referrers API, as
 * distribution 2.8: the crawl's first tag finds that out, with a HEAD for its digest.
 */
class ReconcileCrawlIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final byte[] LAYER = "a layer of the crawled image".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONFIG =
            "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MANIFEST = manifest("first");
    private static final byte[] MOVED_TO = manifest("second");
    private static final RepositoryName REPO = RepositoryName.of("team/crawled");
    private static final List<String> TAGS = List.of("v1", "v2", "v3", "v4", "v5");

    @TempDir
    Path temp;

    private StandInPrimary primary;
    private ReplicatorUnderTest replica;
    private Replicator replicator;

    @BeforeEach
    void start() throws Exception {
        ReplicatorDatabase.start(DB).close(); // migrate
        ReplicatorDatabase.emptyForANewSite(DB);
        primary = new StandInPrimary().blob(LAYER).blob(CONFIG);
        for (String tag : TAGS) {
            primary.manifest(REPO.value(), tag, MediaTypes.OCI_MANIFEST, MANIFEST);
        }
        primary.listen();
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        replicator = replica.build(
                URI.create(primary.url()),
                ReplicatorUnderTest.fastRetries(2),
                new SyncConfig(List.of(), List.of(), List.of(), Duration.ZERO, List.of()));
    }

    @AfterEach
    void stop() throws Exception {
        replica.close();
        primary.shutdown();
    }

    @Test
    void aCrawlIntoAnEmptyReplicaQueuesEachTagWithoutAHeadOfItAndTheirSyncsHeadThemNeither() {
        ReconcileSummary pass = replicator.reconciler().reconcile(List.of(REPO), ReconcileProgress.NONE);

        assertThat(pass.tagPushesQueued()).isEqualTo(TAGS.size());
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE kind = 'tag' AND state = 'pending'"))
                .isEqualTo(TAGS.size());
        assertThat(manifestHeads(TAGS))
                .as("one HEAD, for the digest that asks the primary for its referrers API")
                .isEqualTo(1);

        replicator.start();
        awaitReplicaTags(MANIFEST, TAGS);
        awaitWorkDone();
        // A sync as quick as these does not confirm its write with a HEAD of the tag: a delete
        // racing it is refused by its tombstone or applied after it (ReplicationWorker#syncTag).
        assertThat(manifestHeads(TAGS))
                .as("HEADs of the tags after their syncs")
                .isEqualTo(1);
    }

    @Test
    void aCrawlHeadsTheTagsTheReplicaHasAndQueuesOnlyWhatMovedOrWent() {
        replicator.reconciler().reconcile(List.of(REPO), ReconcileProgress.NONE);
        replicator.start();
        awaitReplicaTags(MANIFEST, TAGS);
        // A tag shows in the replica before its row is done: wait for every row to finish, so that
        // nothing of the first pass counts as the crawl's (a fresh clone once saw a sync's HEAD).
        awaitWorkDone();
        primary.manifest(REPO.value(), "v2", MediaTypes.OCI_MANIFEST, MOVED_TO)
                .untag(REPO.value(), "v3")
                .manifest(REPO.value(), "v6", MediaTypes.OCI_MANIFEST, MANIFEST);
        int seenBefore = primary.seen().size();

        ReconcileSummary pass = replicator.reconciler().reconcile(List.of(REPO), ReconcileProgress.NONE);

        assertThat(pass.tagsChecked()).isEqualTo(5);
        assertThat(pass.tagPushesQueued()).as("v2 moved, v6 new").isEqualTo(2);
        assertThat(pass.tagDeletesQueued()).as("v3").isEqualTo(1);
        // The unchanged tags were each compared by one HEAD, and nothing of theirs was queued again.
        List<String> unchanged = List.of("v1", "v4", "v5");
        assertThat(primary.seen().subList(seenBefore, primary.seen().size()))
                .filteredOn(s -> s.method().equals("HEAD"))
                .extracting(StandInPrimary.Seen::pathAndQuery)
                .filteredOn(p -> unchanged.stream().anyMatch(t -> p.endsWith("/manifests/" + t)))
                .hasSize(unchanged.size());
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE ref IN ('v1', 'v4', 'v5')"
                        + " AND generation > 1"))
                .isZero();

        awaitReplicaTags(MOVED_TO, List.of("v2"));
        awaitReplicaTags(MANIFEST, List.of("v1", "v4", "v5", "v6"));
        await("v3 removed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> replica.tagDigest(REPO.value(), "v3").isEmpty());
    }

    private static void awaitWorkDone() {
        await("the work done")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        DB.queryLong("SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')")
                                == 0);
    }

    /** HEADs of the repository's manifests by these tags the primary has seen. */
    private long manifestHeads(List<String> tags) {
        return primary.seen().stream()
                .filter(s -> s.method().equals("HEAD"))
                .filter(s -> tags.stream().anyMatch(t -> s.pathAndQuery().equals("/v2/" + REPO + "/manifests/" + t)))
                .count();
    }

    private void awaitReplicaTags(byte[] manifest, List<String> tags) {
        Optional<Digest> want = Optional.of(Digest.sha256(manifest));
        await("replica tags " + tags + " at " + want.get())
                .atMost(Duration.ofSeconds(30))
                .until(() -> tags.stream()
                        .allMatch(t -> replica.tagDigest(REPO.value(), t).equals(want)));
    }

    private static byte[] manifest(String revision) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                        + Digest.sha256(CONFIG) + "\",\"size\":" + CONFIG.length
                        + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                        + Digest.sha256(LAYER) + "\",\"size\":" + LAYER.length
                        + "}],\"annotations\":{\"revision\":\"" + revision + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
