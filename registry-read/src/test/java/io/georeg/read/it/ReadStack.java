package io.georeg.read.it;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestManifest;
import java.nio.file.Path;

/**
 * registry-read over the real replica: a PostgreSQL database of its own (testkit's
 * {@link TestDatabase}), filesystem storage in a temp dir, the replica's write side to load
 * content, and the server on an ephemeral loopback port. Closed by the test class.
 */
final class ReadStack implements AutoCloseable {
    final Database database;
    final BlobStore blobs;
    final DatabaseReplicaWriter writer;
    final DatabaseReplicaReader reader;
    final RegistryReadServer server;

    ReadStack(TestDatabase db, Path storageRoot, Authenticator auth, ReadOptions options) throws Exception {
        database = new Database(DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password())
                        .withMigrateOnStart(true))
                .start();
        blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot));
        writer = new DatabaseReplicaWriter(database, blobs);
        reader = new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly());
        server = new RegistryReadServer(reader, auth, options);
        server.start();
    }

    int port() {
        return server.port();
    }

    /** Blobs first, then the manifest, then the tag: the replica's own order rules. */
    Digest store(RepositoryName repo, TestImage image, String tag) {
        for (TestBlob b : image.blobs()) {
            writer.putBlob(repo, b.digest(), b.size(), b.stream());
        }
        Digest d = storeManifest(repo, image.manifest());
        if (tag != null) {
            writer.tag(repo, Tag.of(tag), d);
        }
        return d;
    }

    Digest storeManifest(RepositoryName repo, TestManifest m) {
        return writer.putManifest(repo, m.content(), m.mediaType(), m.digest());
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            try {
                blobs.close();
            } finally {
                database.close();
            }
        }
    }
}
