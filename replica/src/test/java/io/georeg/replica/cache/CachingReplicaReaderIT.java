package io.georeg.replica.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replica.ReplicaReader;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata cache against a real PostgreSQL: changes committed through the replica's writer
 * (and the verifier's state column) reach a reader whose cache holds the old answer within a
 * bounded wait, and a reader whose change listener is gone reads the database.
 */
class CachingReplicaReaderIT {
    private static final Duration NOTIFY_BOUND = Duration.ofSeconds(2);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storageRoot;

    private static Database database;
    private static BlobStore blobs;
    private static DatabaseReplicaWriter writer;
    private static final AtomicInteger databaseReads = new AtomicInteger();
    private static CachingReplicaReader reader;

    @BeforeAll
    static void start() {
        DatabaseConfig config =
                DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password()).withMigrateOnStart(true);
        database = new Database(config).start();
        blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot));
        writer = new DatabaseReplicaWriter(database, blobs);
        ReplicaReader counted = counting(new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly()));
        // A long reconnect delay keeps the listener down long enough to observe the bypass.
        reader = new CachingReplicaReader(
                        counted,
                        config,
                        ReplicaCacheOptions.defaults()
                                .withTagTtl(Duration.ofMinutes(5))
                                .withReconnectDelay(Duration.ofSeconds(2)))
                .start();
        await().atMost(Duration.ofSeconds(10)).until(reader::listening);
    }

    @AfterAll
    static void stop() {
        reader.close();
        blobs.close();
        database.close();
    }

    @Test
    void cachedTagAnswersWithoutTheDatabaseAndAnOverwriteIsSeenOnceCommitted() {
        RepositoryName repo = RepositoryName.of("cache/overwrite");
        Digest first = store(repo, TestImages.image(1));
        Digest second = store(repo, TestImages.image(2));
        Reference latest = Reference.parse("latest");
        writer.tag(repo, Tag.of("latest"), first);

        assertThat(reader.manifest(repo, latest)).map(m -> m.digest()).contains(first);
        // The tag's own notification may still be on its way and drop the first fill: then the next read fills again.
        await().atMost(NOTIFY_BOUND).until(() -> servedFromCache(repo, latest, first));

        writer.tag(repo, Tag.of("latest"), second);

        await().atMost(NOTIFY_BOUND)
                .untilAsserted(() -> assertThat(reader.manifest(repo, latest))
                        .map(m -> m.digest())
                        .contains(second));
    }

    @Test
    void deletedManifestAndTagDisappearFromTheCache() {
        RepositoryName repo = RepositoryName.of("cache/delete");
        Digest digest = store(repo, TestImages.image(3));
        writer.tag(repo, Tag.of("v1"), digest);
        assertThat(reader.manifest(repo, Reference.parse("v1"))).isPresent();
        assertThat(reader.manifest(repo, Reference.parse(digest.toString()))).isPresent();

        writer.deleteManifest(repo, digest);

        await().atMost(NOTIFY_BOUND).untilAsserted(() -> {
            assertThat(reader.manifest(repo, Reference.parse("v1"))).isEmpty();
            assertThat(reader.manifest(repo, Reference.parse(digest.toString())))
                    .isEmpty();
        });
    }

    @Test
    void unlinkedBlobAndBlobTheVerifierMarkedFailedAreNoLongerServed() {
        RepositoryName repo = RepositoryName.of("cache/blobs");
        TestBlob unlinked = TestImages.layer(41, 1000);
        TestBlob failed = TestImages.layer(42, 1000);
        writer.putBlob(repo, unlinked.digest(), unlinked.size(), unlinked.stream());
        writer.putBlob(repo, failed.digest(), failed.size(), failed.stream());
        assertThat(reader.blobSize(repo, unlinked.digest())).contains(1000L);
        assertThat(reader.blobSize(repo, failed.digest())).contains(1000L);

        writer.unlinkBlob(repo, unlinked.digest());
        // What the verifier writes when it finds stored bytes corrupt.
        execute(
                "UPDATE blobs SET verify_state = 'failed' WHERE digest = ?",
                failed.digest().toString());

        await().atMost(NOTIFY_BOUND).untilAsserted(() -> {
            assertThat(reader.blobSize(repo, unlinked.digest())).isEmpty();
            assertThat(reader.blobSize(repo, failed.digest())).isEmpty();
        });
    }

    @Test
    void withoutItsListenerTheReaderReadsTheDatabaseAndResumesCachingAfterReconnect() {
        RepositoryName repo = RepositoryName.of("cache/listener");
        Digest first = store(repo, TestImages.image(5));
        Digest second = store(repo, TestImages.image(6));
        Reference tag = Reference.parse("stable");
        writer.tag(repo, Tag.of("stable"), first);
        reader.manifest(repo, tag);
        assertThat(reader.manifest(repo, tag)).map(m -> m.digest()).contains(first);

        long killed = queryLong("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name = ? AND datname = current_database()
                """, ChangeListener.APPLICATION_NAME);
        assertThat(killed).as("the listener's backend was found").isEqualTo(1);
        await().atMost(NOTIFY_BOUND).until(() -> !reader.listening());

        // No listener: the overwrite must be visible at once, from the database.
        writer.tag(repo, Tag.of("stable"), second);
        int before = databaseReads.get();
        assertThat(reader.manifest(repo, tag)).map(m -> m.digest()).contains(second);
        assertThat(reader.manifest(repo, tag)).map(m -> m.digest()).contains(second);
        assertThat(databaseReads.get()).as("every read went to the database").isEqualTo(before + 2);

        await().atMost(Duration.ofSeconds(10)).until(reader::listening);
        assertThat(reader.manifest(repo, tag)).map(m -> m.digest()).contains(second);
        await("cached again after reconnect").atMost(NOTIFY_BOUND).until(() -> servedFromCache(repo, tag, second));
    }

    @Test
    void aCachedTagOutlivesTagTtlWhileTheListenerKeepsUpAndAnOverwriteIsStillSeen() throws InterruptedException {
        RepositoryName repo = RepositoryName.of("cache/horizon");
        Digest first = store(repo, TestImages.image(7));
        Digest second = store(repo, TestImages.image(8));
        Reference tag = Reference.parse("lts");
        writer.tag(repo, Tag.of("lts"), first);
        // The default: four heartbeats a second, so a listener thread the machine's load delays by up
        // to 3/4 s still keeps the cache served.
        Duration ttl = Duration.ofSeconds(1);
        try (CachingReplicaReader shortLived =
                listening(ReplicaCacheOptions.defaults().withTagTtl(ttl))) {
            await().atMost(NOTIFY_BOUND).until(() -> servedFromCache(shortLived, repo, tag, first));

            Thread.sleep(ttl.multipliedBy(3).toMillis());

            // Before the heartbeat, every fact expired after tagTtl: a key read less often always missed.
            assertThat(servedFromCache(shortLived, repo, tag, first))
                    .as("three tagTtl later, nothing changed: still answered from memory")
                    .isTrue();
            writer.tag(repo, Tag.of("lts"), second);
            await().atMost(NOTIFY_BOUND)
                    .untilAsserted(() -> assertThat(shortLived.manifest(repo, tag))
                            .map(m -> m.digest())
                            .contains(second));
        }
    }

    @Test
    void aFullCacheTakesANewKeyOnlyOnItsSecondMissAndKeepsTheKeyReadBefore() {
        RepositoryName repo = RepositoryName.of("cache/admission");
        Digest digest = store(repo, TestImages.image(9));
        writer.tag(repo, Tag.of("hot"), digest);
        writer.tag(repo, Tag.of("cold"), digest);
        Reference hot = Reference.parse("hot");
        Reference cold = Reference.parse("cold");
        // Two facts: the hot tag and its manifest's link fill it.
        try (CachingReplicaReader full = listening(
                ReplicaCacheOptions.defaults().withTagTtl(Duration.ofMinutes(5)).withMaxEntries(2))) {
            await().atMost(NOTIFY_BOUND).until(() -> servedFromCache(full, repo, hot, digest));

            assertThat(servedFromCache(full, repo, cold, digest))
                    .as("first miss")
                    .isFalse();
            assertThat(servedFromCache(full, repo, hot, digest))
                    .as("a key read once did not push out the one read before")
                    .isTrue();
            // From its second miss on it enters, evicting a fact by CLOCK (FactTable).
            await("a key read again enters")
                    .atMost(NOTIFY_BOUND)
                    .until(() -> servedFromCache(full, repo, cold, digest));
        }
    }

    /** A second reader of its own, started, its listener connected. */
    private static CachingReplicaReader listening(ReplicaCacheOptions options) {
        CachingReplicaReader own = new CachingReplicaReader(
                        counting(new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly())),
                        DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password()),
                        options)
                .start();
        await().atMost(Duration.ofSeconds(10)).until(own::listening);
        return own;
    }

    /** True when a read returns {@code expected} without reaching the database. */
    private static boolean servedFromCache(
            CachingReplicaReader cache, RepositoryName repo, Reference reference, Digest expected) {
        int before = databaseReads.get();
        Optional<Digest> got = cache.manifest(repo, reference).map(m -> m.digest());
        return got.equals(Optional.of(expected)) && databaseReads.get() == before;
    }

    private static boolean servedFromCache(RepositoryName repo, Reference reference, Digest expected) {
        return servedFromCache(reader, repo, reference, expected);
    }

    private static Digest store(RepositoryName repo, TestImage image) {
        for (TestBlob blob : image.blobs()) {
            writer.putBlob(repo, blob.digest(), blob.size(), blob.stream());
        }
        return writer.putManifest(
                repo,
                image.manifest().content(),
                image.manifest().mediaType(),
                image.manifest().digest());
    }

    private static void execute(String sql, String param) {
        database.transactions().inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                return ps.executeUpdate();
            }
        });
    }

    private static long queryLong(String sql, String param) {
        return database.transactions().read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The database reader, counting the calls that reach it. */
    private static ReplicaReader counting(ReplicaReader target) {
        return (ReplicaReader) Proxy.newProxyInstance(
                ReplicaReader.class.getClassLoader(), new Class<?>[] {ReplicaReader.class}, (proxy, method, args) -> {
                    databaseReads.incrementAndGet();
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
