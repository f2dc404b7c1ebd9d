package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.copy.AbandonedWriteSweeper;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.SkopeoDirWriter;
import io.georeg.replicator.testing.WorkerProcessMain;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the process copying a 64 MiB layer: nothing partial becomes visible, its
 * lease runs out, another replicator takes the item over and the replica converges; the temporary
 * file the killed copy left behind is removed by the sweep of abandoned writes that georeg runs
 * ({@link AbandonedWriteSweeper}), and by nothing else.
 */
class WorkerCrashIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void killMinus9MidCopyThenAnotherReplicatorConvergesWithNothingLost() throws Exception {
        Skopeo skopeo = Skopeo.require();
        Path storage = temp.resolve("replica");
        try (ReplicatorUnderTest replica = new ReplicatorUnderTest(DB, storage);
                Distribution primary = Distribution.notifying(
                        temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET)) {
            // This process only takes notifications for now; the copying happens in the child.
            replica.build(
                    primary.url(),
                    ReplicatorUnderTest.fastRetries(2),
                    io.georeg.replicator.reconcile.SyncConfig.everything());
            Path tmp = storage.resolve(FilesystemObjectStore.TEMP_DIR);
            List<Path> leftovers;
            Process child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            WorkerProcessMain.class.getName(),
                            DB.jdbcUrl(),
                            DB.user(),
                            DB.password(),
                            storage.toString(),
                            primary.url().toString(),
                            String.valueOf(8L * 1024 * 1024))
                    .redirectErrorStream(true)
                    .redirectOutput(temp.resolve("child.log").toFile())
                    .start();
            try {
                Corpus corpus = CorpusGenerator.withSeed(5)
                        .bigLayerSize(64L * 1024 * 1024)
                        .generate();
                Path dir = SkopeoDirWriter.write(corpus.repository("big/layer"), "100m", temp.resolve("big"));
                skopeo.run(
                                List.of(
                                        "copy",
                                        "--all",
                                        "--dest-tls-verify=false",
                                        "dir:" + dir,
                                        "docker://" + primary.hostPort() + "/crash/big:v1"),
                                Skopeo.DEFAULT_TIMEOUT)
                        .requireSuccess();
                await("the child is streaming the big layer")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> partialBytes(tmp) > 4L * 1024 * 1024);
                child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, leases left behind
                leftovers = temporaryFiles(tmp);
                assertThat(leftovers)
                        .as("the killed copy's temporary file")
                        .anySatisfy(p -> assertThat(p.toFile().length()).isGreaterThan(4L * 1024 * 1024));
                assertThat(
                                DB.queryLong(
                                        "SELECT count(*) FROM replication_work WHERE state = 'in_progress' AND lease_owner IS NOT NULL"))
                        .isPositive();
                assertThat(replica.reader().manifest(RepositoryName.of("crash/big"), new Reference.ByTag(Tag.of("v1"))))
                        .isEmpty();
            } finally {
                child.destroyForcibly().waitFor();
            }

            replica.replicator().start();
            await("converges after the leases run out")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> replica.reader()
                            .manifest(RepositoryName.of("crash/big"), new Reference.ByTag(Tag.of("v1")))
                            .isPresent());
            replica.stopReplicator();
            assertThat(leftovers)
                    .as("nothing but the sweep removes what the killed copy left: the copy that took over wrote anew")
                    .allSatisfy(p -> assertThat(p).exists());

            // The sweep as georeg runs it (at start-up and every replicator.retention.interval), a
            // day later: the killed copy's write began longer than replicator.retention.abandonedWrites ago.
            RetentionConfig retention = RetentionConfig.defaults();
            Clock aDayLater =
                    Clock.offset(Clock.systemUTC(), retention.abandonedWrites().plusHours(1));
            assertThat(new AbandonedWriteSweeper(replica.blobs(), retention, aDayLater).sweepOnce())
                    .isEqualTo(leftovers.size());
            assertThat(temporaryFiles(tmp)).isEmpty();

            ReplicaReader.StoredManifest stored = replica.reader()
                    .manifest(RepositoryName.of("crash/big"), new Reference.ByTag(Tag.of("v1")))
                    .orElseThrow();
            for (Descriptor blob :
                    ManifestParser.parse(stored.content(), stored.mediaType()).blobs()) {
                try (InputStream in = replica.reader().openBlob(blob.digest(), 0, -1)) {
                    assertThat(sha256(in)).isEqualTo(blob.digest());
                }
            }
            assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'"))
                    .isZero();
        }
    }

    private static long partialBytes(Path tmp) throws Exception {
        return temporaryFiles(tmp).stream()
                .mapToLong(p -> p.toFile().length())
                .max()
                .orElse(0);
    }

    private static List<Path> temporaryFiles(Path tmp) throws Exception {
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static Digest sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            d.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return Digest.parse("sha256:" + HexFormat.of().formatHex(md.digest()));
    }
}
