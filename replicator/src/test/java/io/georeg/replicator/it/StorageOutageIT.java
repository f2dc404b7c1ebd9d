package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.SkopeoDirWriter;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's own storage goes away while the primary is pushed to (here the filesystem root
 * stops being a directory; an S3 or GCS endpoint that answers 5xx or nothing fails the copies
 * alike): the copies are retried for as long as it lasts, past {@code maxAttempts}, and everything
 * is replicated once it is back, with nobody running {@code georeg retry}.
 */
class StorageOutageIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void copiesFailingOnTheReplicasStorageAreRetriedPastMaxAttemptsAndLandOnceItIsBack() throws Exception {
        Skopeo skopeo = Skopeo.require();
        Path storage = temp.resolve("replica");
        Path aside = temp.resolve("replica-aside");
        try (ReplicatorUnderTest replica = new ReplicatorUnderTest(DB, storage);
                Distribution primary = Distribution.notifying(
                        temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET)) {
            // Three attempts, 50 to 400 ms apart: an outage of a few seconds outlasts them all.
            replica.start(primary.url(), ReplicatorUnderTest.fastRetries(2));
            Corpus corpus = CorpusGenerator.withSeed(4).bigLayerSize(64 * 1024).generate();
            Files.createDirectories(storage);
            Files.move(storage, aside);
            Files.writeString(storage, "not a directory: the volume is gone");

            // A Docker schema 2 image (DatabaseOutageIT pushes an OCI one).
            SkopeoDirWriter.push(
                    skopeo,
                    corpus.repository("library/app"),
                    "1.0",
                    temp.resolve("dirs"),
                    primary.hostPort() + "/outage/app:v1");
            await("copies failing on storage, each more often than maxAttempts")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE attempts > 3") > 0);
            assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'"))
                    .as("items failed for good by the outage")
                    .isZero();
            assertThat(DB.queryText("SELECT max(last_error) FROM replication_work WHERE attempts > 3"))
                    .isNotBlank();

            Files.delete(storage);
            Files.move(aside, storage);
            // Items whose blobs the manifest's copy stored meanwhile finish at their next retry.
            await("every push replicated, every item done, once the storage is back")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> replica.reader()
                                    .manifest(RepositoryName.of("outage/app"), new Reference.ByTag(Tag.of("v1")))
                                    .isPresent()
                            && DB.queryLong("SELECT count(*) FROM replication_work WHERE state <> 'done'") == 0);
        }
    }
}
