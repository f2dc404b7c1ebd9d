package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored bytes damaged after the copy (bit rot, an operator's mistake) are never delivered as the
 * blob: a whole-blob GET hashes as it streams and aborts before the last chunk, and the blob is
 * quarantined so that it is not served again (the router then falls back to the primary). Real
 * PostgreSQL and filesystem storage; the damage is written straight into the blob's data file.
 * Served with {@code registryRead.verifyServedBlobs: always}, every whole GET hashed; the default
 * {@code once} hashes the GETs of a file not verified before the same way
 * ({@code VerifyServedBlobsOnceIT}).
 */
class CorruptBlobIT {
    @TempDir
    Path dir;

    static final RepositoryName REPO = RepositoryName.of("team/app");
    static final ObjectMapper JSON = new ObjectMapper();

    TestDatabase db;
    ReadStack stack;
    HttpClient http;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.create();
        stack = new ReadStack(
                db,
                dir.resolve("storage"),
                Authenticator.anonymous(),
                ReadOptions.loopbackEphemeral().withVerifyServedBlobs(ReadOptions.VerifyServedBlobs.ALWAYS));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
        stack.close();
        db.close();
    }

    /**
     * Large enough for the direct file-to-socket path (and several of its 1 MiB buffers), too small
     * to be hashed ahead: the request thread hashes each chunk before it sends it.
     */
    @Test
    void damagedLargeBlobIsAbortedBeforeItsLastChunkAndNeverServedAgain() throws Exception {
        TestBlob layer = TestImages.layer(41, 3 * 1024 * 1024 + 5);
        damagedBlobIsNotDelivered(layer, layer.content().length / 2);
    }

    /**
     * Large enough (4 MiB and more after the first write) to be read and hashed on one of
     * registry-read's hashing threads, chunks ahead of the request thread that sends them; in
     * this test nothing else holds those threads, so this blob takes that path.
     */
    @Test
    void damagedBlobHashedAheadIsAbortedBeforeItsLastChunkAndNeverServedAgain() throws Exception {
        TestBlob layer = TestImages.layer(45, 12 * 1024 * 1024 + 5);
        damagedBlobIsNotDelivered(layer, layer.content().length / 2);
    }

    /** The damage is in the chunk held back: everything before it was sent, and still no whole blob. */
    @Test
    void blobDamagedInItsLastChunkIsAbortedWhenHashedAhead() throws Exception {
        TestBlob layer = TestImages.layer(46, 12 * 1024 * 1024 + 5);
        damagedBlobIsNotDelivered(layer, layer.content().length - 3);
    }

    @Test
    void intactBlobHashedAheadIsServedWhole() throws Exception {
        TestBlob layer = TestImages.layer(47, 12 * 1024 * 1024 + 5);
        store(layer);

        HttpResponse<byte[]> r = get(layer);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(layer.content());
        assertThat(state(layer)).isEqualTo("unverified");
    }

    /**
     * Small enough for the heap copy in one chunk: nothing is sent before the comparison, so the
     * answer is a clean 404 on which the router fetches the blob from the primary.
     */
    @Test
    void damagedSmallBlobIsAnsweredBlobUnknownAndNeverServedAgain() throws Exception {
        TestBlob layer = TestImages.layer(42, 10_000);
        store(layer);
        byte[] damaged = layer.content().clone();
        damaged[7] ^= 0x01;
        Files.write(dataFile(layer), damaged);

        HttpResponse<byte[]> r = get(layer);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).at("/errors/0/code").asText()).isEqualTo("BLOB_UNKNOWN");
        assertQuarantined(layer, "hash to");
    }

    /**
     * A blob of one direct chunk (1 MiB) is read and hashed whole before its status and headers
     * go out, so its damage is answered like a small blob's: a clean 404 the router falls back on,
     * not a transfer aborted after its first bytes.
     */
    @Test
    void damagedBlobOfOneChunkIsAnsweredBlobUnknownBeforeAnyByteIsSent() throws Exception {
        TestBlob layer = TestImages.layer(48, 1024 * 1024);
        store(layer);
        byte[] damaged = layer.content().clone();
        damaged[damaged.length - 1] ^= 0x01;
        Files.write(dataFile(layer), damaged);

        HttpResponse<byte[]> r = get(layer);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).at("/errors/0/code").asText()).isEqualTo("BLOB_UNKNOWN");
        assertThat(r.headers().firstValue("Docker-Content-Digest")).isEmpty();
        assertQuarantined(layer, "hash to");
    }

    @Test
    void truncatedBlobIsNeverDeliveredAndNeverServedAgain() throws Exception {
        TestBlob layer = TestImages.layer(43, 2 * 1024 * 1024);
        store(layer);
        Path data = dataFile(layer);
        Files.write(data, Arrays.copyOf(layer.content(), layer.content().length - 100));

        assertNotDelivered(layer);
        assertQuarantined(layer, "ended after");
    }

    @Test
    void intactBlobIsServedWholeAndStaysServable() throws Exception {
        TestBlob layer = TestImages.layer(44, 3 * 1024 * 1024);
        store(layer);

        HttpResponse<byte[]> r = get(layer);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(layer.content());
        assertThat(state(layer)).isEqualTo("unverified");
    }

    private void damagedBlobIsNotDelivered(TestBlob layer, int damagedByte) throws Exception {
        store(layer);
        byte[] damaged = layer.content().clone();
        damaged[damagedByte] ^= 0x20;
        Files.write(dataFile(layer), damaged);

        assertNotDelivered(layer);
        assertQuarantined(layer, "hash to");
    }

    private void assertNotDelivered(TestBlob layer) throws InterruptedException {
        ReadStack.assertNotDelivered(http, blobUri(layer), layer.content());
    }

    private void assertQuarantined(TestBlob layer, String evidence) throws Exception {
        stack.assertQuarantined(http, blobUri(layer), layer.digest(), evidence);
    }

    private void store(TestBlob layer) {
        stack.storeLayer(REPO, layer, "v1");
    }

    private Path dataFile(TestBlob layer) {
        return stack.dataFile(layer.digest());
    }

    private URI blobUri(TestBlob layer) {
        return stack.blobUri(REPO, layer.digest());
    }

    private HttpResponse<byte[]> get(TestBlob layer) throws IOException, InterruptedException {
        return ReadStack.get(http, blobUri(layer));
    }

    private String state(TestBlob layer) throws Exception {
        return stack.verifyState(layer.digest());
    }
}
