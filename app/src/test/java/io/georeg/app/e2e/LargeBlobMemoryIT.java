package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.StorageConfig;
import io.georeg.testkit.corpus.CorpusBlob;
import io.georeg.testkit.corpus.SeededStream;
import io.georeg.testkit.db.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * registry-read streams: the shaded {@code georeg.jar} (first running {@code georeg migrate},
 * which needs Flyway's merged service files), started as {@code georeg serve} in a
 * child JVM capped at {@code -Xmx256m} (and told to exit on OutOfMemoryError), serves a 1 GiB
 * blob whose bytes arrive complete and under the right digest, and the process is still alive
 * afterwards.
 */
class LargeBlobMemoryIT {
    private static final long SIZE = 1024L * 1024 * 1024;
    private static final Pattern LISTENING =
            Pattern.compile("serving the OCI pull API at http://127\\.0\\.0\\.1:(\\d+)/v2/");

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path work;

    private Process child;

    @AfterEach
    void stopChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneGibBlobStreamsFromAProcessWith256MbHeap() throws Exception {
        Path storage = work.resolve("storage");
        RepositoryName repo = RepositoryName.of("big/gib");
        String jar = System.getProperty("georeg.jar", "target/georeg.jar");
        assertThat(Path.of(jar)).as("the shaded jar (built in `package`)").exists();
        String java = ProcessHandle.current().info().command().orElse("java");

        // Flyway finds its PostgreSQL support through META-INF/services: proves the shaded jar merged them.
        Path migrateLog = work.resolve("migrate.log");
        Process migrate = georeg(java, jar, storage, migrateLog, "migrate").start();
        assertThat(migrate.waitFor(180, TimeUnit.SECONDS))
                .as("georeg migrate finishes")
                .isTrue();
        assertThat(migrate.exitValue())
                .as("georeg migrate; output:\n" + Files.readString(migrateLog))
                .isZero();
        assertThat(Files.readString(migrateLog)).contains("applied migration 1");

        CorpusBlob blob =
                CorpusBlob.streamed("application/vnd.oci.image.layer.v1.tar", () -> new SeededStream(1234, SIZE));
        try (Database db = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())).start();
                BlobStore blobs = BlobStores.open(new StorageConfig.Filesystem(storage))) {
            new DatabaseReplicaWriter(db, blobs).putBlob(repo, blob.digest(), blob.size(), blob.open());
        }

        Path log = work.resolve("georeg.log");
        child = georeg(java, jar, storage, log, "serve").start();

        int port = await("georeg serve to listen")
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> listeningPort(log), p -> p > 0 || !child.isAlive());
        assertThat(child.isAlive())
                .as("georeg serve is running; its log:\n" + Files.readString(log))
                .isTrue();

        HttpClient http = HttpClient.newHttpClient();
        HashingDiscarder body = new HashingDiscarder();
        HttpResponse<Void> response = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v2/" + repo + "/blobs/" + blob.digest()))
                        .timeout(Duration.ofMinutes(2))
                        .build(),
                info -> body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
        assertThat(body.count).isEqualTo(SIZE);
        assertThat(Digest.of(Digest.Algorithm.SHA256, body.sha.digest())).isEqualTo(blob.digest());

        assertThat(child.isAlive())
                .as("georeg serve survived the download; its log:\n" + Files.readString(log))
                .isTrue();
        child.destroy();
        assertThat(child.waitFor(30, TimeUnit.SECONDS))
                .as("georeg serve stops on SIGTERM")
                .isTrue();
        // 143 = terminated by SIGTERM after the shutdown hook ran; anything else (3: OOM exit) is a failure.
        assertThat(child.exitValue()).isIn(0, 143);
        assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError").contains("stopped registry-read");
    }

    /** {@code java -Xmx256m -jar georeg.jar <command>} configured for the test database and storage. */
    private static ProcessBuilder georeg(String java, String jar, Path storage, Path log, String command) {
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar, command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("GEOREG_COMPONENTS", "registry-read");
        pb.environment().put("GEOREG_DATABASE_URL", DB.jdbcUrl());
        pb.environment().put("GEOREG_DATABASE_USER", DB.user());
        pb.environment().put("GEOREG_DATABASE_PASSWORD", DB.password());
        pb.environment().put("GEOREG_STORAGE_FILESYSTEM_ROOT", storage.toString());
        pb.environment().put("GEOREG_REGISTRY_READ_PORT", "0");
        return pb;
    }

    private static int listeningPort(Path log) throws java.io.IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        Matcher m = LISTENING.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Hashes and counts the body as it arrives and keeps nothing. */
    private static final class HashingDiscarder implements HttpResponse.BodySubscriber<Void> {
        final MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        long count;

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                count += b.remaining();
                sha.update(b);
            }
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }
}
