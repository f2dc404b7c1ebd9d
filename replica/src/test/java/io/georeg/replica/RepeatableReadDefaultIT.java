package io.georeg.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guarded stores on a database whose {@code default_transaction_isolation} is {@code repeatable
 * read} (set here with {@code ALTER DATABASE} on the test's own database, as an operator may set it
 * for a database, a role or the whole server). A repeatable-read transaction keeps the snapshot of
 * its first statement, and the key's lock is taken by that statement: a store that waited for a
 * delete's lock would read the tombstones as they were before the delete committed and store the
 * deleted content again. The pool therefore runs its connections at read committed, whatever the
 * server's default ({@link Database#start()}; TransactionsIT checks the level itself); each case
 * fails without that.
 */
class RepeatableReadDefaultIT {

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storageRoot;

    private static BlobStore blobs;

    @BeforeAll
    static void repeatableReadByDefault() throws SQLException {
        DB.repeatableReadByDefault();
        try (Connection c = DB.connect()) {
            assertThat(TestDatabase.isolationOf(c))
                    .as("a new session's default")
                    .isEqualTo("repeatable read");
        }
        new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password()).withMigrateOnStart(true))
                .start()
                .close();
        blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot));
    }

    @AfterAll
    static void stop() {
        blobs.close();
    }

    /** A guarded blob link (lock, refusal and link as one multi-statement) that waited for an unlink's lock. */
    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void aGuardedLinkThatWaitedForAnUnlinksLockIsRefused(String mode) throws Exception {
        TestBlob layer = TestImages.layer(mode.length() + 800, 100);
        RepositoryName repo = RepositoryName.of("rr/link-" + mode);
        try (Database database = database(mode)) {
            DatabaseReplicaWriter writer = new DatabaseReplicaWriter(database, blobs);
            writer.putBlob(repo, layer.digest(), layer.size(), layer.stream());
            ReplicaWriter readBeforeTheDelete = writer.refusingDeletesAfter(writer.deleteGeneration());

            assertRefusedAfterTheDelete(
                    Tombstones.BLOB,
                    repo,
                    layer.digest(),
                    "DELETE FROM repository_blobs WHERE digest = ?",
                    () -> readBeforeTheDelete.linkBlob(repo, layer.digest()));
            assertThat(count(database, "SELECT count(*) FROM repository_blobs WHERE digest = ?", layer.digest()))
                    .isZero();
        }
    }

    /** A guarded manifest store (its transaction takes the lock, then refuses) that waited for a delete's lock. */
    @ParameterizedTest
    @ValueSource(strings = {"extended", "simple"})
    void aGuardedManifestStoreThatWaitedForADeletesLockIsRefused(String mode) throws Exception {
        TestImage image = TestImages.image(mode.length() + 900);
        RepositoryName repo = RepositoryName.of("rr/manifest-" + mode);
        try (Database database = database(mode)) {
            DatabaseReplicaWriter writer = new DatabaseReplicaWriter(database, blobs);
            for (TestBlob blob : image.blobs()) {
                writer.putBlob(repo, blob.digest(), blob.size(), blob.stream());
            }
            Digest digest = image.manifest().digest();
            writer.putManifest(
                    repo, image.manifest().content(), image.manifest().mediaType(), digest);
            ReplicaWriter readBeforeTheDelete = writer.refusingDeletesAfter(writer.deleteGeneration());

            assertRefusedAfterTheDelete(
                    Tombstones.MANIFEST,
                    repo,
                    digest,
                    "DELETE FROM manifests WHERE digest = ?",
                    () -> readBeforeTheDelete.putManifest(
                            repo, image.manifest().content(), image.manifest().mediaType(), digest));
            assertThat(count(database, "SELECT count(*) FROM manifests WHERE digest = ?", digest))
                    .isZero();
        }
    }

    /**
     * A delete of {@code digest} (its lock, its tombstone, {@code delete} of its row, as the
     * writer's deletes do) holds the key's lock while {@code store} starts and waits for it; the
     * delete commits, and the store must be refused.
     */
    private static void assertRefusedAfterTheDelete(
            String kind, RepositoryName repo, Digest digest, String delete, Callable<?> store) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection deleting = DriverManager.getConnection(DB.jdbcUrl(), DB.user(), DB.password());
                Connection watching = DriverManager.getConnection(DB.jdbcUrl(), DB.user(), DB.password())) {
            deleting.setAutoCommit(false);
            try (PreparedStatement ps = deleting.prepareStatement(Tombstones.LOCK_KEY)) {
                ps.setString(1, kind + " " + repo.value() + "@" + digest);
                ps.execute();
            }
            try (PreparedStatement ps =
                    deleting.prepareStatement("INSERT INTO replica_tombstones (repository, kind, digest, generation)"
                            + " VALUES (?, ?, ?, nextval('replica_delete_generation'))")) {
                ps.setString(1, repo.value());
                ps.setString(2, kind);
                ps.setString(3, digest.toString());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = deleting.prepareStatement(delete)) {
                ps.setString(1, digest.toString());
                ps.executeUpdate();
            }
            Future<?> storing = executor.submit(store);
            AdvisoryLocks.awaitOneWaiting(watching);
            deleting.commit();

            assertThatThrownBy(() -> storing.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DeletedSinceException.class);
        } finally {
            executor.shutdownNow();
        }
    }

    /** A pool in pgjdbc's query mode {@code mode} over the test's database. */
    private static Database database(String mode) {
        String url = DB.jdbcUrlInQueryMode(mode);
        return new Database(DatabaseConfig.of(url, DB.user(), DB.password()).withMaxPoolSize(2)).start();
    }

    private static long count(Database database, String sql, Digest digest) {
        return database.transactions().read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, digest.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
