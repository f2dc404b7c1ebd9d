package io.georeg.read.it;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
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
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

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
    private final TestDatabase db;

    ReadStack(TestDatabase db, Path storageRoot, Authenticator auth, ReadOptions options) throws Exception {
        this.db = db;
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

    /** An image of {@code layer} alone, tagged {@code tag}: how a test puts one blob in place. */
    Digest storeLayer(RepositoryName repo, TestBlob layer, String tag) {
        TestImage image = TestImages.image(
                MediaTypes.OCI_MANIFEST, layer.content().length, List.of(layer), (Descriptor.Platform) null);
        return store(repo, image, tag);
    }

    /** The file holding the blob's bytes in the filesystem storage, for a test to damage. */
    Path dataFile(Digest blob) {
        return ((FilesystemObjectStore) blobs.objects()).pathOf(DistributionLayout.blobData(blob));
    }

    URI blobUri(RepositoryName repo, Digest blob) {
        return URI.create(server.uri() + "/v2/" + repo + "/blobs/" + blob);
    }

    /** The first column of the one row {@code sql} answers, as text. */
    String text(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new AssertionError("no row for " + sql);
            }
            return rs.getString(1);
        }
    }

    /** The blob's {@code verify_state} in the tracking database. */
    String verifyState(Digest blob) throws SQLException {
        return text("SELECT verify_state::text FROM blobs WHERE digest = '" + blob + "'");
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
