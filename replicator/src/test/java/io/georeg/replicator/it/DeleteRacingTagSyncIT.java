package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.HoldingProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest deleted on the primary while a tag sync holds the primary's answer from just before
 * the delete: the delete reaches the replica first, and the sync must not store the deleted
 * manifest again, not even for the moment until its confirming {@code HEAD}. The replicator
 * reads the primary through a {@link HoldingProxy}, which holds the sync's {@code GET} of the tag
 * until the delete was applied, and then holds the confirming {@code HEAD} (if the sync gets that
 * far) while the test looks at the replica.
 */
class DeleteRacingTagSyncIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REPO = "race/app";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static HoldingProxy proxy;
    private static RegistryHttp registry;

    @BeforeAll
    static void start() throws Exception {
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.storingUnder(
                temp.resolve("primary"),
                config -> config.withDeleteEnabled(true)
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                "georeg", replica.intakeUrl(), ReplicatorUnderTest.SECRET)));
        proxy = HoldingProxy.to(primary.url());
        replica.start(proxy.url(), ReplicatorUnderTest.fastRetries(4));
        registry = new RegistryHttp(primary.url());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {registry, proxy, primary, replica}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void aTagSyncThatReadTheTagBeforeItsManifestWasDeletedNeverStoresTheDeletedManifestAgain() {
        Digest first = push("v1", TestImages.image(1));
        await().atMost(WAIT).until(() -> replicaTag("v1").equals(Optional.of(first)));

        // The read that answers <second>: distribution notifies a push before it links the tag, so
        // the sync's first read can still answer <first>; that one passes, the worker defers the
        // row (PushedTagLink) and reads again. Holding it instead would hold an answer older than
        // the push, and the race below would not be the one this test is about.
        TestImage pushed = TestImages.image(2);
        HoldingProxy.Hold tagRead = proxy.holdNextAnswering(
                "GET", "/manifests/v1", pushed.manifest().digest().toString());
        Digest second = push("v1", pushed);
        await().atMost(WAIT).until(tagRead::arrived);

        // The sync holds the primary's answer "v1 is <second>"; now <second> goes on the primary,
        // and its delete is applied to the replica before the sync goes on.
        long deletesBefore = doneDeletes();
        assertThat(registry.deleteManifest(REPO, second.toString()).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> doneDeletes() > deletesBefore);

        HoldingProxy.Hold confirm = proxy.holdNext("HEAD", "/manifests/v1");
        tagRead.release();
        await().atMost(WAIT).until(() -> confirm.arrived() || tagSyncsPending() == 0);
        assertThat(replicaManifest(second))
                .as("the deleted manifest, stored again by a sync that read the tag before the delete")
                .isEmpty();
        assertThat(replicaTag("v1")).as("v1 after its manifest was deleted").isNotEqualTo(Optional.of(second));

        confirm.release();
        await().atMost(WAIT).until(() -> tagSyncsPending() == 0);
        assertThat(replicaManifest(second)).isEmpty();
        assertThat(replicaTag("v1")).isEqualTo(primaryTag("v1"));
    }

    private static Digest push(String tag, TestImage image) {
        RegistryHttp.Answer answer = registry.push(REPO, tag, image);
        assertThat(answer.status()).as("push of %s:%s", REPO, tag).isEqualTo(201);
        return image.manifest().digest();
    }

    private static Optional<Digest> primaryTag(String tag) {
        RegistryHttp.Answer head = registry.headManifest(REPO, tag, RegistryHttp.ACCEPT_ALL);
        return head.status() == 404
                ? Optional.empty()
                : Optional.of(head.digest().orElseThrow());
    }

    private static Optional<Digest> replicaTag(String tag) {
        return replica.reader()
                .manifest(RepositoryName.of(REPO), new Reference.ByTag(Tag.of(tag)))
                .map(ReplicaReader.StoredManifest::digest);
    }

    private static Optional<ReplicaReader.StoredManifest> replicaManifest(Digest digest) {
        return replica.reader().manifest(RepositoryName.of(REPO), new Reference.ByDigest(digest));
    }

    private static long doneDeletes() {
        return DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + REPO
                + "' AND kind = 'digest' AND operation = 'delete' AND state = 'done'");
    }

    private static long tagSyncsPending() {
        return DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + REPO
                + "' AND kind = 'tag' AND state IN ('pending', 'in_progress')");
    }
}
