package io.georeg.replicator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier against a real PostgreSQL (a fresh database per test, since a pass verifies
 * everything due) and filesystem storage, with content written through the replica's writer.
 */
class VerifierIT {
    private static final RepositoryName REPO = RepositoryName.of("team/app");

    @TempDir
    Path storageRoot;

    private TestDatabase db;
    private Database database;
    private FilesystemObjectStore files;
    private BlobStore blobs;
    private DatabaseReplicaWriter writer;
    private WorkQueue queue;
    private final List<Verifier> verifiers = new ArrayList<>();

    @BeforeEach
    void start() {
        db = TestDatabase.create();
        database = ReplicatorDatabase.start(db);
        files = FilesystemObjectStore.open(storageRoot);
        blobs = new DefaultBlobStore(files);
        writer = new DatabaseReplicaWriter(database, blobs);
        queue = new WorkQueue(database);
    }

    @AfterEach
    void stop() {
        verifiers.forEach(Verifier::close);
        blobs.close();
        database.close();
        db.close();
    }

    @Test
    void healthyCorpusVerifiesOkAndQueuesNothing() throws Exception {
        store(REPO, TestImages.image(1), "v1");
        List<TestImage> children = TestImages.multiArch(MediaTypes.OCI_MANIFEST, 2);
        children.forEach(child -> store(REPO, child, null));
        TestManifest index = TestImages.index(MediaTypes.OCI_INDEX, children);
        writer.putManifest(REPO, index.content(), index.mediaType(), index.digest());
        long blobRows = db.queryLong("SELECT count(*) FROM blobs");
        long manifestRows = db.queryLong("SELECT count(*) FROM manifests");

        VerifyCounters counters = new VerifyCounters();
        PassSummary summary = pass(verifier(config(), counters));

        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.OK)).isEqualTo(blobRows);
        assertThat(summary.count(VerifyTarget.MANIFEST, VerifyOutcome.OK)).isEqualTo(manifestRows);
        assertThat(summary.total()).isEqualTo(blobRows + manifestRows);
        assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE verify_state = 'ok' AND verified_at IS NOT NULL"))
                .isEqualTo(blobRows);
        assertThat(db.queryLong("SELECT count(*) FROM manifests WHERE verify_state = 'ok' AND verified_at IS NOT NULL"))
                .isEqualTo(manifestRows);
        assertThat(db.queryLong("SELECT count(*) FROM replication_work")).isZero();
        assertThat(counters.results(VerifyTarget.BLOB, VerifyOutcome.OK)).isEqualTo(blobRows);
        long storedBytes =
                db.queryLong("SELECT sum(size) FROM blobs") + db.queryLong("SELECT sum(size * 2) FROM manifests");
        assertThat(counters.bytes()).isEqualTo(storedBytes).isEqualTo(summary.bytes());
    }

    @Test
    void nothingIsDueAgainRightAfterAPass() throws Exception {
        store(REPO, TestImages.image(3), "v1");
        Verifier verifier = verifier(config(), VerifyObserver.NONE);
        // config, two layers, the manifest's storage copy; the manifest row
        assertThat(pass(verifier).total()).isEqualTo(5);
        assertThat(pass(verifier).total()).isZero();
    }

    @Test
    void corruptedBlobIsMarkedFailedHiddenFromReadersQueuedForRecopyAndVerifiesOkOnceCopiedAgain() throws Exception {
        TestImage image = store(REPO, TestImages.image(10), "v1");
        TestBlob layer = image.layers().get(0);
        byte[] corrupted = layer.content().clone();
        corrupted[100] ^= 0x5a;
        Files.write(files.pathOf(DistributionLayout.blobData(layer.digest())), corrupted);
        DatabaseReplicaReader reader = new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly());
        assertThat(reader.blobSize(REPO, layer.digest())).contains(layer.size());

        VerifyCounters counters = new VerifyCounters();
        PassSummary summary = pass(verifier(config(), counters));

        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.FAILED)).isEqualTo(1);
        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.OK))
                .as("config, other layer, manifest copy")
                .isEqualTo(3);
        assertThat(counters.results(VerifyTarget.BLOB, VerifyOutcome.FAILED)).isEqualTo(1);
        assertThat(counters.repairs(VerifyTarget.BLOB)).isEqualTo(1);
        String where = " FROM blobs WHERE digest = '" + layer.digest() + "'";
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("failed");
        assertThat(db.queryText("SELECT verify_error" + where))
                .contains("hashes to")
                .contains(layer.digest().toString());
        assertThat(db.queryLong("SELECT verify_failures" + where)).isEqualTo(1);
        assertThat(reader.blobSize(REPO, layer.digest())).isEmpty();
        assertQueued(REPO, layer.digest(), "push_blob");

        // The normal copy path heals it: the writer copies a failed blob again, the next pass finds it good.
        writer.putBlob(REPO, layer.digest(), layer.size(), layer.stream());
        PassSummary next = pass(verifier(config(), VerifyObserver.NONE));
        assertThat(next.count(VerifyTarget.BLOB, VerifyOutcome.OK)).isEqualTo(1);
        assertThat(next.total()).isEqualTo(1);
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("ok");
        assertThat(reader.blobSize(REPO, layer.digest())).contains(layer.size());
    }

    /**
     * The scrub: once {@code reverifyAfter} has passed since a pass (simulated by moving every
     * verification stamp back eight days), the next pass re-reads every stored object again and
     * finds damage done since the last one. Before the token bucket's overflow was fixed, a pass
     * after the first idle gap of ~3 minutes failed and nothing was ever re-read.
     */
    @Test
    void everyObjectIsReReadOncePerPeriodAndDamageSinceTheLastPassIsFound() throws Exception {
        TestImage image = store(REPO, TestImages.image(16), "v1");
        Verifier verifier = verifier(config(), VerifyObserver.NONE);
        assertThat(pass(verifier).total()).isEqualTo(5);
        assertThat(pass(verifier).total()).as("nothing due within the period").isZero();
        TestBlob layer = image.layers().get(1);
        byte[] corrupted = layer.content().clone();
        corrupted[0] ^= 0x01;
        Files.write(files.pathOf(DistributionLayout.blobData(layer.digest())), corrupted);

        db.execute("UPDATE blobs SET verified_at = verified_at - interval '8 days'");
        db.execute("UPDATE manifests SET verified_at = verified_at - interval '8 days'");
        PassSummary next = pass(verifier);

        assertThat(next.total()).as("every object re-read").isEqualTo(5);
        assertThat(next.count(VerifyTarget.BLOB, VerifyOutcome.FAILED)).isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE verified_at < now() - interval '1 day'"))
                .isZero();
        assertQueued(REPO, layer.digest(), "push_blob");
    }

    /**
     * registry-read quarantines a blob whose bytes did not hash to its digest while it served
     * them: the running verifier, idle until its next periodic pass an hour away, is woken by the
     * notification, confirms the damage and queues the re-copy at once.
     */
    @Test
    void blobQuarantinedWhileServedIsVerifiedAtOnceAndQueuedForRecopy() throws Exception {
        TestImage image = store(REPO, TestImages.image(15), "v1");
        TestBlob layer = image.layers().get(0);
        Verifier verifier = verifier(config().withInterval(Duration.ofHours(1)), VerifyObserver.NONE);
        verifier.start();
        await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE verify_state = 'ok'"))
                    .isEqualTo(4);
            assertThat(db.queryLong("SELECT count(*) FROM manifests WHERE verify_state = 'ok'"))
                    .isEqualTo(1);
        });
        byte[] corrupted = layer.content().clone();
        corrupted[3] ^= 0x40;
        Files.write(files.pathOf(DistributionLayout.blobData(layer.digest())), corrupted);
        DatabaseReplicaReader reader = new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly());

        reader.quarantineBlob(layer.digest(), "stored bytes hash to something else while served");

        assertThat(reader.blobSize(REPO, layer.digest()))
                .as("not served from the moment it is quarantined")
                .isEmpty();
        String where = " FROM blobs WHERE digest = '" + layer.digest() + "'";
        await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(db.queryText("SELECT verify_error" + where))
                    .as("the verifier's own finding")
                    .contains("hashes to");
            assertQueued(REPO, layer.digest(), "push_blob");
        });
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("failed");
    }

    @Test
    void deletedBlobFileIsMarkedMissingAndQueuedForRecopy() throws Exception {
        TestImage image = store(REPO, TestImages.image(20), "v1");
        Digest config = image.config().digest();
        Files.delete(files.pathOf(DistributionLayout.blobData(config)));

        PassSummary summary = pass(verifier(config(), VerifyObserver.NONE));

        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.MISSING)).isEqualTo(1);
        String where = " FROM blobs WHERE digest = '" + config + "'";
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("missing");
        assertThat(db.queryText("SELECT verify_error" + where))
                .contains("missing")
                .contains(config.hex());
        assertQueued(REPO, config, "push_blob");
    }

    /**
     * A blob storage cannot read (here its file replaced by a directory: every read fails with an
     * I/O error, as every read does while object storage is unavailable) says nothing about the
     * blob: the pass reads it once, goes on with the others and ends, and the blob is due again in
     * the next pass. Its claim used to be given back at once, so the pass claimed it again and
     * again and never ended, re-reading and logging it as fast as the object budget allowed.
     */
    @Test
    void blobThatCannotBeReadEndsThePassStillDueAndIsVerifiedInTheNextOne() throws Exception {
        TestImage image = store(REPO, TestImages.image(25), "v1");
        TestBlob layer = image.layers().get(0);
        Path data = files.pathOf(DistributionLayout.blobData(layer.digest()));
        Path aside = storageRoot.resolve("set-aside");
        Files.move(data, aside);
        Files.createDirectory(data);
        Verifier verifier = verifier(config(), VerifyObserver.NONE);

        PassSummary summary = pass(verifier);

        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.ERROR)).isEqualTo(1);
        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.OK))
                .as("config, other layer, manifest copy")
                .isEqualTo(3);
        String where = " FROM blobs WHERE digest = '" + layer.digest() + "'";
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("unverified");
        assertThat(db.queryLong("SELECT count(*)" + where + " AND verified_at IS NULL"))
                .as("due again")
                .isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM replication_work")).isZero();

        Files.delete(data);
        Files.move(aside, data);
        PassSummary next = pass(verifier);
        assertThat(next.count(VerifyTarget.BLOB, VerifyOutcome.OK)).isEqualTo(1);
        assertThat(next.total()).isEqualTo(1);
        assertThat(db.queryText("SELECT verify_state" + where)).isEqualTo("ok");
    }

    @Test
    void manifestWhoseStorageCopyIsCorruptedIsMarkedFailedWithItsBlobRowAndQueuedAsManifest() throws Exception {
        TestImage image = store(REPO, TestImages.image(30), "v1");
        Digest manifest = image.manifest().digest();
        byte[] corrupted = image.manifest().content().clone();
        corrupted[corrupted.length - 2] = (byte) ' ';
        Files.write(files.pathOf(DistributionLayout.blobData(manifest)), corrupted);

        PassSummary summary = pass(verifier(config(), VerifyObserver.NONE));

        assertThat(summary.count(VerifyTarget.MANIFEST, VerifyOutcome.FAILED)).isEqualTo(1);
        // Its blob row (the storage copy) is checked in the blob phase as well, and is found bad there first.
        assertThat(summary.count(VerifyTarget.BLOB, VerifyOutcome.FAILED)).isEqualTo(1);
        assertThat(db.queryText("SELECT verify_state FROM manifests WHERE digest = '" + manifest + "'"))
                .isEqualTo("failed");
        assertThat(db.queryText("SELECT verify_error FROM manifests WHERE digest = '" + manifest + "'"))
                .startsWith("storage copy hashes to");
        assertThat(db.queryText("SELECT verify_state FROM blobs WHERE digest = '" + manifest + "'"))
                .isEqualTo("failed");
        assertQueued(REPO, manifest, "push_manifest");
        assertThat(db.queryLong("SELECT count(*) FROM replication_work")).isEqualTo(1);

        // What the push_manifest worker does once it stores the manifest again: the writer re-puts a
        // storage copy marked failed, and the next pass finds manifest and copy good.
        writer.putManifest(REPO, image.manifest().content(), image.manifest().mediaType(), manifest);
        PassSummary next = pass(verifier(config(), VerifyObserver.NONE));
        assertThat(next.count(VerifyTarget.BLOB, VerifyOutcome.OK)).isEqualTo(1);
        assertThat(next.count(VerifyTarget.MANIFEST, VerifyOutcome.OK)).isEqualTo(1);
        assertThat(next.total()).isEqualTo(2);
        assertThat(db.queryText("SELECT verify_state FROM manifests WHERE digest = '" + manifest + "'"))
                .isEqualTo("ok");
    }

    @Test
    void manifestWhoseDatabaseBytesDoNotMatchItsDigestIsMarkedFailed() throws Exception {
        TestImage image = store(REPO, TestImages.image(40), null);
        Digest manifest = image.manifest().digest();
        db.execute("UPDATE manifests SET content = overlay(content placing '\\x20'::bytea from 3)" + " WHERE digest = '"
                + manifest + "'");

        PassSummary summary = pass(verifier(config(), VerifyObserver.NONE));

        assertThat(summary.count(VerifyTarget.MANIFEST, VerifyOutcome.FAILED)).isEqualTo(1);
        assertThat(db.queryText("SELECT verify_error FROM manifests WHERE digest = '" + manifest + "'"))
                .startsWith("database copy hashes to");
        // The storage copy is fine, so its blob row stays ok.
        assertThat(db.queryText("SELECT verify_state FROM blobs WHERE digest = '" + manifest + "'"))
                .isEqualTo("ok");
        assertQueued(REPO, manifest, "push_manifest");
    }

    @Test
    void hashingStaysWithinTheByteAndObjectBudgets() throws Exception {
        TestBlob big = TestImages.layer(50, 384 * 1024);
        store(
                REPO,
                TestImages.image(MediaTypes.OCI_MANIFEST, 50, List.of(big, TestImages.layer(51, 1024)), null),
                "v1");
        store(REPO, TestImages.image(52), "v2");
        TokenBucket bytes = new TokenBucket(256 * 1024, 128 * 1024, System::nanoTime);
        TokenBucket objects = new TokenBucket(20, 3, System::nanoTime);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        VerifyObserver watcher = new VerifyObserver() {
            @Override
            public void bytesVerified(long n) {
                check(bytes, violations);
            }

            @Override
            public void verified(VerifyTarget target, Digest digest, VerifyOutcome outcome) {
                check(objects, violations);
            }
        };
        Verifier verifier = track(new Verifier(config(), database, blobs, queue, watcher, bytes, objects));

        PassSummary summary = pass(verifier);

        long expectedBytes =
                db.queryLong("SELECT sum(size) FROM blobs") + db.queryLong("SELECT sum(size * 2) FROM manifests");
        assertThat(summary.bytes()).isEqualTo(expectedBytes);
        assertThat(bytes.consumed()).isEqualTo(expectedBytes);
        assertThat(objects.consumed()).isEqualTo(summary.total()).isEqualTo(10);
        // The corpus is bigger than both bursts, so the limiter had to hold the verifier back...
        assertThat(bytes.consumed()).isGreaterThan(bytes.capacity());
        assertThat(objects.consumed()).isGreaterThan(objects.capacity());
        // ...and never let it take more than the burst plus what accrued, at any point.
        assertThat(violations).isEmpty();
        assertThat((double) bytes.consumed()).isLessThanOrEqualTo(bytes.allowance());
        assertThat((double) objects.consumed()).isLessThanOrEqualTo(objects.allowance());
    }

    @Test
    void twoVerifiersOnOneDatabaseNeverVerifyTheSameObjectTwiceInOnePass() throws Exception {
        for (int i = 0; i < 24; i++) {
            store(RepositoryName.of("team/app" + i), TestImages.image(100 + i), "v1");
        }
        long objects = db.queryLong("SELECT count(*) FROM blobs") + db.queryLong("SELECT count(*) FROM manifests");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        VerifyObserver recorder = new VerifyObserver() {
            @Override
            public void verified(VerifyTarget target, Digest digest, VerifyOutcome outcome) {
                seen.add(target.label() + " " + digest);
            }
        };
        try (Database second = ReplicatorDatabase.start(db)) {
            VerifyConfig config = config().withBatchSize(3);
            Verifier one = verifier(config, recorder);
            Verifier two = track(new Verifier(config, second, blobs, new WorkQueue(second), recorder));

            CompletableFuture<PassSummary> a = one.runPass();
            CompletableFuture<PassSummary> b = two.runPass();
            PassSummary first = a.get(60, TimeUnit.SECONDS);
            PassSummary other = b.get(60, TimeUnit.SECONDS);

            assertThat(first.total() + other.total()).isEqualTo(objects);
            assertThat(seen).hasSize((int) objects).doesNotHaveDuplicates();
            two.close();
        }
        assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE verify_state <> 'ok'"))
                .isZero();
        assertThat(db.queryLong("SELECT count(*) FROM manifests WHERE verify_state <> 'ok'"))
                .isZero();
    }

    @Test
    void startedVerifierRunsPassesByItself() {
        store(REPO, TestImages.image(60), "v1");
        Verifier verifier = verifier(config().withInterval(Duration.ofSeconds(1)), VerifyObserver.NONE);
        verifier.start();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.queryLong("SELECT count(*) FROM blobs WHERE verify_state = 'ok'") == 4
                        && db.queryLong("SELECT count(*) FROM manifests WHERE verify_state = 'ok'") == 1);
    }

    @Test
    void closingMidPassGivesBackTheClaimsOfObjectsNotVerifiedYet() throws Exception {
        TestBlob big = TestImages.layer(70, 256 * 1024);
        store(REPO, TestImages.image(MediaTypes.OCI_MANIFEST, 70, List.of(big), null), "v1");
        // 4 KiB/s: the 256 KiB layer takes a minute, so the pass is surely mid-way when closed.
        Verifier verifier = track(new Verifier(
                config(),
                database,
                blobs,
                queue,
                VerifyObserver.NONE,
                new TokenBucket(4096, 4096, System::nanoTime),
                new TokenBucket(1000, 1000, System::nanoTime)));
        CompletableFuture<PassSummary> pass = verifier.runPass();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> verifier.byteLimiter().consumed() > 0);

        verifier.close();

        assertThat(pass).isCompletedExceptionally();
        // Whatever was claimed but not verified has its old (NULL) stamp back, so it is due at once again.
        assertThat(db.queryLong(
                        "SELECT count(*) FROM blobs WHERE verified_at IS NOT NULL AND verify_state = 'unverified'"))
                .isZero();
        assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE verified_at IS NULL"))
                .isPositive();
    }

    private static void check(TokenBucket bucket, List<String> violations) {
        if (bucket.consumed() > bucket.allowance()) {
            violations.add(
                    bucket.consumed() + " taken after " + bucket.elapsed() + ", allowance " + bucket.allowance());
        }
    }

    private void assertQueued(RepositoryName repository, Digest digest, String operation) {
        String where = " FROM replication_work WHERE repository = '" + repository + "' AND kind = 'digest' AND ref = '"
                + digest + "'";
        assertThat(db.queryText("SELECT operation" + where)).isEqualTo(operation);
        assertThat(db.queryText("SELECT state" + where)).isEqualTo("pending");
        assertThat(db.queryText("SELECT source" + where)).isEqualTo(RepairRequests.SOURCE);
    }

    private TestImage store(RepositoryName repository, TestImage image, String tag) {
        for (TestBlob blob : image.blobs()) {
            writer.putBlob(repository, blob.digest(), blob.size(), blob.stream());
        }
        TestManifest manifest = image.manifest();
        writer.putManifest(repository, manifest.content(), manifest.mediaType(), manifest.digest());
        if (tag != null) {
            writer.tag(repository, Tag.of(tag), manifest.digest());
        }
        return image;
    }

    private static VerifyConfig config() {
        return VerifyConfig.defaults().withRates(1L << 30, 100_000).withBatchSize(4);
    }

    private Verifier verifier(VerifyConfig config, VerifyObserver observer) {
        return track(new Verifier(config, database, blobs, queue, observer));
    }

    private Verifier track(Verifier verifier) {
        verifiers.add(verifier);
        return verifier;
    }

    private static PassSummary pass(Verifier verifier) throws Exception {
        return verifier.runPass().get(60, TimeUnit.SECONDS);
    }
}
