package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.testing.JettyServers;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.StandInPrimary;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.TcpRelay;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the workers do when the primary misbehaves: corrupted bytes, slow answers, and going away for a while. */
class PrimaryFaultsIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final byte[] LAYER =
            "layer bytes that will be corrupted on the wire".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONFIG =
            "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                    + Digest.sha256(CONFIG)
                    + "\",\"size\":" + CONFIG.length
                    + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                    + Digest.sha256(LAYER) + "\",\"size\":" + LAYER.length + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    private static final RepositoryName REPO = RepositoryName.of("team/faulty");

    @TempDir
    Path temp;

    private StandInPrimary primary;
    private ReplicatorUnderTest replica;

    @BeforeEach
    void start() throws Exception {
        ReplicatorDatabase.start(DB).close(); // migrate
        ReplicatorDatabase.emptyForANewSite(DB);
        primary = new StandInPrimary()
                .manifest(REPO.value(), "v1", MediaTypes.OCI_MANIFEST, MANIFEST)
                .blob(LAYER)
                .blob(CONFIG);
        primary.listen();
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
    }

    @AfterEach
    void stop() throws Exception {
        replica.close();
        primary.shutdown();
    }

    @Test
    void corruptedBlobBytesStoreNothingAndFailTheItemWithTheReasonAfterItsAttempts() {
        primary.corruptBlobs(true);
        replica.start(URI.create(primary.url()), ReplicatorUnderTest.fastRetries(2));
        queueTagPush();

        await("item failed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'") == 1);
        assertThat(DB.queryLong("SELECT attempts FROM replication_work")).isEqualTo(3);
        assertThat(DB.queryText("SELECT last_error FROM replication_work"))
                .contains("does not match")
                .contains(Digest.sha256(CONFIG).toString());
        // The config blob comes first; each attempt fetched it once and stored nothing.
        assertThat(primary.seen())
                .filteredOn(s -> s.pathAndQuery().contains("/blobs/" + Digest.sha256(CONFIG)))
                .hasSize(3);
        assertThat(replica.writer().hasBlob(Digest.sha256(CONFIG))).isFalse();
        assertThat(replica.writer().hasBlob(Digest.sha256(LAYER))).isFalse();
        assertThat(replica.reader().manifest(REPO, new Reference.ByTag(Tag.of("v1"))))
                .isEmpty();
        assertThat(replica.reader().manifest(REPO, new Reference.ByDigest(Digest.sha256(MANIFEST))))
                .isEmpty();

        assertThat(replica.metrics())
                .contains("georeg_replication_failures_total{final=\"true\",reason=\"digest_mismatch\"} 1.0");
        // The primary is fixed; `georeg retry` requeues the failure and it converges.
        primary.corruptBlobs(false);
        assertThat(replica.replicator().queue().retryFailed(java.util.Optional.empty()))
                .isEqualTo(1);
        // The item is marked done after its manifest is stored, in a transaction of its own.
        await("retried item done")
                .atMost(Duration.ofSeconds(60))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'done'") == 1);
        assertThat(replica.reader().manifest(REPO, new Reference.ByTag(Tag.of("v1"))))
                .isPresent();
    }

    @Test
    void primaryAwayMidCopyIsRetriedWithBackoffAndConvergesWhenItReturns() throws Exception {
        try (TcpRelay link = TcpRelay.to("127.0.0.1", JettyServers.port(primaryServer()))) {
            replica.start(
                    URI.create("http://127.0.0.1:" + link.port()),
                    ReplicatorUnderTest.fastRetries(2).withRetries(50, Duration.ofMillis(50), Duration.ofMillis(300)));
            link.cut();
            queueTagPush();
            await("attempts fail while the primary is away")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> DB.queryLong("SELECT attempts FROM replication_work") >= 2);
            assertThat(DB.queryText("SELECT state FROM replication_work")).isIn("pending", "in_progress");
            assertThat(DB.queryText("SELECT last_error FROM replication_work")).contains("unreachable");

            link.restore();
            // Done is recorded after the manifest is stored, in a transaction of its own: await it.
            await("converges once the primary is back")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> "done".equals(DB.queryText("SELECT state FROM replication_work")));
            assertThat(replica.reader().manifest(REPO, new Reference.ByTag(Tag.of("v1"))))
                    .isPresent();
        }
    }

    /**
     * A manifest's blobs are fetched at once (ManifestCopier): the primary holds each blob GET
     * until the config blob's and the layer's are both under way, which one after another never
     * happens (each GET would wait out the hold in turn). The manifest and tag land after both.
     * The hold is long (30 s, ended as soon as both GETs are there): on a loaded machine the
     * helper's GET may come seconds after the worker's.
     */
    @Test
    void slowBlobAnswersOfOneManifestAreAwaitedTogetherAndTheManifestLandsAfterThem() {
        primary.holdBlobGets(2, Duration.ofSeconds(30));
        replica.start(URI.create(primary.url()), ReplicatorUnderTest.fastRetries(1));
        queueTagPush();

        await("tag replicated")
                .atMost(Duration.ofSeconds(120))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'done'") == 1);
        assertThat(primary.mostBlobGetsAtOnce())
                .as("blob GETs under way at once (1: one after another)")
                .isEqualTo(2);
        assertThat(replica.writer().hasBlob(Digest.sha256(CONFIG))).isTrue();
        assertThat(replica.writer().hasBlob(Digest.sha256(LAYER))).isTrue();
        assertThat(replica.reader().manifest(REPO, new Reference.ByTag(Tag.of("v1"))))
                .isPresent();
    }

    private void queueTagPush() {
        replica.replicator()
                .queue()
                .enqueue(List.of(
                        WorkRequest.tagPush(REPO, Tag.of("v1"), Digest.sha256(MANIFEST), Instant.now(), "test")));
    }

    private org.eclipse.jetty.server.Server primaryServer() {
        return primary.getServer();
    }
}
