package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import io.georeg.replica.ReplicaReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline of a large download hashed on another thread: the sender gets exactly the bytes
 * hashed, in order, and never the chunk that ends a blob whose digest does not match; whatever
 * ends the transfer, the hashing thread is free again afterwards.
 */
class HashAheadTest {
    static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    HashThreads threads = new HashThreads(1);
    List<String> quarantined = new ArrayList<>();
    ReplicaReader replica = (ReplicaReader) Proxy.newProxyInstance(
            ReplicaReader.class.getClassLoader(), new Class<?>[] {ReplicaReader.class}, (proxy, method, args) -> {
                if (method.getName().equals("quarantineBlob")) {
                    quarantined.add(args[0] + " " + args[1]);
                    return null;
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @BeforeEach
    void start() throws Exception {
        threads.start();
    }

    @AfterEach
    void stop() throws Exception {
        threads.stop();
    }

    @Test
    void intactBlobIsSentWholeInOrder() throws Exception {
        byte[] blob = bytes(5 * CHUNK + 17);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();

        send(blob, blob, chunk -> sent.write(bytesOf(chunk)));

        assertThat(sent.toByteArray()).isEqualTo(blob);
        assertThat(quarantined).isEmpty();
        assertThreadIsFreeAgain();
    }

    @Test
    void damagedBlobIsSentUpToItsLastChunkOnlyAndQuarantined() throws Exception {
        byte[] blob = bytes(5 * CHUNK + 17);
        byte[] stored = blob.clone();
        stored[2 * CHUNK + 5] ^= 0x40;
        ByteArrayOutputStream sent = new ByteArrayOutputStream();

        assertThatThrownBy(() -> send(blob, stored, chunk -> sent.write(bytesOf(chunk))))
                .isInstanceOfSatisfying(
                        OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UNKNOWN));

        assertThat(sent.size()).as("everything but the last chunk").isEqualTo(5 * CHUNK);
        assertThat(sent.toByteArray()).isEqualTo(Arrays.copyOf(stored, 5 * CHUNK));
        assertThat(quarantined)
                .singleElement()
                .asString()
                .contains(Digest.sha256(blob).toString(), "hash to");
        assertThreadIsFreeAgain();
    }

    @Test
    void truncatedBlobIsNeverSentWholeAndQuarantined() throws Exception {
        byte[] blob = bytes(5 * CHUNK + 17);
        byte[] stored = Arrays.copyOf(blob, 3 * CHUNK + 1);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();

        assertThatThrownBy(() -> send(blob, stored, chunk -> sent.write(bytesOf(chunk))))
                .isInstanceOf(OciException.class);

        assertThat(sent.size()).isLessThan(blob.length);
        assertThat(quarantined).singleElement().asString().contains("ended after");
        assertThreadIsFreeAgain();
    }

    @Test
    void clientGoneMidwayEndsTheHashingThread() throws Exception {
        byte[] blob = bytes(40 * CHUNK);
        int[] writes = {0};

        assertThatThrownBy(() -> send(blob, blob, chunk -> {
                    if (++writes[0] == 2) {
                        throw new IOException("client closed the connection");
                    }
                }))
                .hasMessage("client closed the connection");

        assertThat(quarantined).isEmpty();
        assertThreadIsFreeAgain();
    }

    @Test
    void noFreeThreadMeansNotStarted() throws Exception {
        byte[] blob = bytes(5 * CHUNK);
        Path file = write(blob);
        HashThreads none = new HashThreads(1);
        try (FileChannel channel = FileChannel.open(file)) {
            // not started: as when registry-read stops
            assertThat(HashAhead.tryStart(none, channel, 0, blob.length, check(blob), buffers()))
                    .isNull();
        }
    }

    /** Serves {@code stored} as the blob {@code blob} through the pipeline, the way BlobBody does. */
    private void send(byte[] blob, byte[] stored, HashAhead.ChunkSink sink) throws Exception {
        Path file = write(stored);
        try (FileChannel channel = FileChannel.open(file)) {
            HashAhead ahead = HashAhead.tryStart(
                    threads, channel, 0, Math.min(stored.length, blob.length), check(blob), buffers());
            assertThat(ahead).as("the one hashing thread is free").isNotNull();
            try {
                ahead.sendTo(sink);
            } finally {
                ahead.stop();
            }
        }
    }

    private void assertThreadIsFreeAgain() throws Exception {
        byte[] blob = bytes(3 * CHUNK);
        Path file = write(blob);
        try (FileChannel channel = FileChannel.open(file)) {
            // stop() returned once the task ended; the thread then goes back to wait for the next
            HashAhead[] started = {null};
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            (started[0] = HashAhead.tryStart(threads, channel, 0, blob.length, check(blob), buffers()))
                                    != null);
            HashAhead again = started[0];
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            try {
                again.sendTo(chunk -> sent.write(bytesOf(chunk)));
            } finally {
                again.stop();
            }
            assertThat(sent.toByteArray()).isEqualTo(blob);
        }
    }

    private ServedBytesCheck check(byte[] blob) {
        return new ServedBytesCheck(Digest.sha256(blob), blob.length, replica);
    }

    private static List<ByteBuffer> buffers() {
        return List.of(
                ByteBuffer.allocateDirect(CHUNK), ByteBuffer.allocateDirect(CHUNK), ByteBuffer.allocateDirect(CHUNK));
    }

    private Path write(byte[] content) throws IOException {
        return Files.write(Files.createTempFile(dir, "blob", ".data"), content);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] bytesOf(ByteBuffer chunk) {
        byte[] b = new byte[chunk.remaining()];
        chunk.duplicate().get(b);
        return b;
    }
}
