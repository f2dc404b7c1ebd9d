package io.georeg.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.KilledCopySource;
import io.georeg.storage.StorageConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a process copying a blob into GCS, at each point of {@link GcsPendingWrite}
 * where a kill leaves something different, then the sweep of abandoned writes as the replicator
 * runs it ({@link BlobStore#removeAbandonedWrites}, once the write began longer ago than
 * {@code replicator.retention.abandonedWrites}); what is stored is listed through the server.
 * The child ({@link GcsKilledCopyMain}) talks HTTP to {@link GcsJsonApiDouble}, a test double of
 * the GCS JSON API in this JVM, so it survives the kill and shows what the client left.
 *
 * <p>The upload is many chunks of 256 KiB: multi-chunk resumable uploads are the
 * path that GcsStorageTest's in-memory helper cannot take.
 */
class GcsKilledCopyIT {
    private static final String BUCKET = "georeg-test";
    private static final String PREFIX = "site-b";
    private static final int CHUNK = StorageConfig.Gcs.CHUNK_GRANULARITY;
    /**
     * The blob store reads a blob in pieces of 1 MiB and hands each full piece to its writing
     * thread: three pieces and 1 KiB more make an upload of thirteen chunks, and a source that
     * stalls after them has handed three pieces to the client.
     */
    private static final long BLOB_BYTES = 3L * 1024 * 1024 + 1024;

    /** Of those three pieces, what the client has surely sent, whatever it keeps buffered. */
    private static final int SENT_BEFORE_STALL = 2 * 1024 * 1024;

    private static final String UPLOADS =
            PREFIX + "/" + DistributionLayout.uploads().value() + "/";

    private GcsJsonApiDouble server;
    private Storage client;
    private BlobStore blobs;
    private Path log;
    private Process child;

    @BeforeEach
    void start() throws Exception {
        server = GcsJsonApiDouble.start(BUCKET);
        client = StorageOptions.newBuilder()
                .setHost(server.endpoint().toString())
                .setProjectId("georeg-test")
                .setCredentials(NoCredentials.getInstance())
                .build()
                .getService();
        blobs = new DefaultBlobStore(new GcsObjectStore(client, BUCKET, KeyPrefix.of(PREFIX), CHUNK));
        log = Files.createTempFile("killed-gcs-copy", ".log");
    }

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        blobs.close(); // closes the client
        server.close();
        Files.deleteIfExists(log);
    }

    /**
     * Killed mid-upload, with its first chunks sent: GCS keeps them in the open resumable session, which
     * is no object (not listed, not readable, nothing to remove by name) and which GCS discards a
     * week after it began. Nothing is left in the bucket, so the sweep removes nothing.
     */
    @Test
    void aCopyKilledMidUploadLeavesNoObjectAndTheSweepRemovesNothing() throws Exception {
        List<String> before = storedWithKeptBlob();
        startCopy(true);
        await("the copy has sent its first chunks and waits for more of the blob")
                .atMost(Duration.ofSeconds(90))
                .until(() -> !child.isAlive()
                        || (Files.readString(log).contains(KilledCopySource.STALLED)
                                && server.openUploads().values().stream().anyMatch(n -> n >= SENT_BEFORE_STALL)));
        kill();

        assertThat(server.openUploads())
                .as("the killed copy's resumable session, with its first chunks: " + server.requests())
                .hasSize(1)
                .allSatisfy((name, received) -> {
                    assertThat(name).startsWith(UPLOADS);
                    assertThat(received).isGreaterThanOrEqualTo(SENT_BEFORE_STALL);
                    assertThat(received % CHUNK).isZero();
                });
        assertThat(everythingStored()).containsExactlyElementsOf(before);
        assertThat(blobs.removeAbandonedWrites(Instant.now().plus(Duration.ofHours(1))))
                .isZero();
        assertThat(everythingStored()).containsExactlyElementsOf(before);
    }

    /**
     * Killed after the upload was finalized and before the rewrite to the blob's name: the
     * finalized temporary object is all that is left. The sweep leaves it while the write is
     * younger than the cutoff, then removes it and nothing else.
     */
    @Test
    void theTemporaryObjectOfACopyKilledBeforeItsRewriteIsRemovedByTheSweep() throws Exception {
        List<String> before = storedWithKeptBlob();
        Instant started = Instant.now().minusMillis(1);
        CountDownLatch rewrite = server.hold(r -> r.startsWith("POST ") && r.contains("/rewriteTo/"));
        startCopy(false);
        awaitHeld(rewrite, "the copy has finalized its upload and asks for the rewrite");
        kill();

        List<String> left = everythingStored();
        assertThat(left).hasSize(before.size() + 1).containsAll(before);
        assertThat(left)
                .filteredOn(name -> !before.contains(name))
                .singleElement()
                .asString()
                .startsWith(UPLOADS);
        assertThat(blobs.removeAbandonedWrites(started))
                .as("a sweep whose cutoff precedes the write")
                .isZero();
        assertThat(everythingStored()).isEqualTo(left);

        assertThat(blobs.removeAbandonedWrites(Instant.now().plus(Duration.ofHours(1))))
                .isEqualTo(1);
        assertThat(everythingStored()).containsExactlyElementsOf(before);
        assertThat(blobs.stat(KilledCopySource.digestOf(BLOB_BYTES))).isEmpty();
    }

    /**
     * Killed after the rewrite and before the delete of the temporary object: the blob is
     * committed under its name and the temporary object is left beside it. The sweep removes
     * the temporary object; the blob stays, whole.
     */
    @Test
    void theTemporaryObjectOfACopyKilledBeforeItsDeleteIsRemovedByTheSweepAndTheBlobStays() throws Exception {
        List<String> before = storedWithKeptBlob();
        CountDownLatch delete = server.hold(r -> r.startsWith("DELETE /storage/v1/b/" + BUCKET + "/o/" + UPLOADS));
        startCopy(false);
        awaitHeld(delete, "the copy has rewritten its upload to the blob's name and deletes the temporary object");
        kill();

        Digest digest = KilledCopySource.digestOf(BLOB_BYTES);
        String blobName = PREFIX + "/" + DistributionLayout.blobData(digest).value();
        List<String> left = everythingStored();
        assertThat(left).hasSize(before.size() + 2).containsAll(before).contains(blobName);
        assertThat(left)
                .filteredOn(name -> !before.contains(name) && !name.equals(blobName))
                .singleElement()
                .asString()
                .startsWith(UPLOADS);

        assertThat(blobs.removeAbandonedWrites(Instant.now().plus(Duration.ofHours(1))))
                .isEqualTo(1);
        List<String> after = new ArrayList<>(before);
        after.add(blobName);
        assertThat(everythingStored()).containsExactlyInAnyOrderElementsOf(after);
        try (InputStream in = blobs.open(digest, 0, -1)) {
            assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(digest);
        }
    }

    /** Puts a small blob through the store (upload, rewrite, delete) and lists the bucket. */
    private List<String> storedWithKeptBlob() throws Exception {
        byte[] kept = "kept".getBytes(StandardCharsets.UTF_8);
        blobs.put(Digest.sha256(kept), kept.length, new ByteArrayInputStream(kept));
        List<String> stored = everythingStored();
        assertThat(stored).singleElement().asString().endsWith("/data");
        return stored;
    }

    /** Every finalized object in the bucket, as the server lists them over HTTP. */
    private List<String> everythingStored() {
        List<String> names = new ArrayList<>();
        for (Blob blob : client.list(BUCKET).iterateAll()) {
            names.add(blob.getName());
        }
        return names;
    }

    private void startCopy(boolean stall) throws Exception {
        child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        GcsKilledCopyMain.class.getName(),
                        server.endpoint().toString(),
                        BUCKET,
                        PREFIX,
                        String.valueOf(CHUNK),
                        String.valueOf(BLOB_BYTES),
                        String.valueOf(stall))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private void awaitHeld(CountDownLatch held, String what) {
        await(what).atMost(Duration.ofSeconds(90)).until(() -> held.getCount() == 0 || !child.isAlive());
    }

    /** SIGKILL: nothing in the child runs after it, no abort, no delete. */
    private void kill() throws Exception {
        assertThat(child.isAlive()).as(Files.readString(log)).isTrue();
        child.destroyForcibly().waitFor();
    }
}
