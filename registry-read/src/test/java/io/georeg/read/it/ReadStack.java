package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * registry-read over the real replica: a PostgreSQL database of its own (testkit's
 * {@link TestDatabase}), filesystem storage in a temp dir, the replica's write side to load
 * content, and the server on an ephemeral loopback port with its metrics in {@link #metrics}. Closed
 * by the test class.
 */
final class ReadStack implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Database database;
    final BlobStore blobs;
    final DatabaseReplicaWriter writer;
    final DatabaseReplicaReader reader;
    final RegistryReadServer server;
    final PrometheusRegistry metrics = new PrometheusRegistry();
    private final TestDatabase db;

    ReadStack(TestDatabase db, Path storageRoot, Authenticator auth, ReadOptions options) throws Exception {
        this.db = db;
        database = new Database(DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password())
                        .withMigrateOnStart(true))
                .start();
        blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot));
        writer = new DatabaseReplicaWriter(database, blobs);
        reader = new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly());
        server = new RegistryReadServer(reader, auth, options, metrics);
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

    /** A whole GET of {@code uri}, given 30 s. */
    static HttpResponse<byte[]> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Either the transfer breaks off (the headers were sent) or an error comes instead: never a whole 200. */
    static void assertNotDelivered(HttpClient http, URI uri, byte[] content) throws InterruptedException {
        try {
            HttpResponse<byte[]> r = get(http, uri);
            assertThat(r.statusCode())
                    .as("a damaged blob must not be answered 200 in full")
                    .isNotEqualTo(200);
            assertThat(r.body()).isNotEqualTo(content);
        } catch (IOException aborted) {
            assertThat(aborted).isNotNull();
        }
    }

    /**
     * The blob served damaged is marked {@code failed} with {@code evidence}, due for the verifier at
     * once, and answered {@code BLOB_UNKNOWN} from now on (GET and HEAD), so the router falls back.
     */
    void assertQuarantined(HttpClient http, URI uri, Digest blob, String evidence) throws Exception {
        assertThat(verifyState(blob)).isEqualTo("failed");
        assertThat(text("SELECT verify_error FROM blobs WHERE digest = '" + blob + "'"))
                .contains(evidence);
        assertThat(text("SELECT verified_at IS NULL FROM blobs WHERE digest = '" + blob + "'"))
                .as("due for verification at once")
                .isEqualTo("t");
        HttpResponse<byte[]> again = get(http, uri);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(again.body()).at("/errors/0/code").asText()).isEqualTo("BLOB_UNKNOWN");
        assertThat(http.send(
                                HttpRequest.newBuilder(uri)
                                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(404);
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
