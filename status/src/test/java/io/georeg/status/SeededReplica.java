package io.georeg.status;

import io.georeg.db.Database;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import java.nio.file.Path;

/**
 * Stored content for the status tests to report on ({@code StatusReportIT}, {@code
 * StatusPageBrowserIT}), written with the replica's own writer. testkit, where the other test
 * fixtures live, cannot hold it: it would need the replica module, which itself tests with testkit.
 */
public final class SeededReplica {
    private SeededReplica() {}

    /**
     * Stores {@code image} as {@code repository:tag} in the replica — tracking in {@code database},
     * blobs on the filesystem under {@code storageRoot} — as the replicator does: blobs, then the
     * manifest, then the tag.
     */
    public static void store(Database database, Path storageRoot, String repository, String tag, TestImage image) {
        try (BlobStore blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot))) {
            DatabaseReplicaWriter writer = new DatabaseReplicaWriter(database, blobs);
            RepositoryName repo = RepositoryName.of(repository);
            for (TestBlob blob : image.blobs()) {
                writer.putBlob(repo, blob.digest(), blob.size(), blob.stream());
            }
            writer.putManifest(
                    repo,
                    image.manifest().content(),
                    image.manifest().mediaType(),
                    image.manifest().digest());
            writer.tag(repo, Tag.of(tag), image.manifest().digest());
        }
    }
}
