package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.ReadOptions.VerifyServedBlobs;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImages;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registryRead.verifyServedBlobs}, whose default {@code once} hashes a filesystem blob's
 * whole GET the first time and again whenever its file is not the one verified before, and the
 * other two modes, told apart by {@code georeg_read_whole_blob_gets_total{check}}. Real PostgreSQL
 * and filesystem storage; files are damaged and replaced the way an operator's mistake or a
 * re-copy would, in place or by rename. A file is only recorded as verified once it has been quiet
 * (no change for two seconds before a GET), so the blobs are stored first and the tests wait for that.
 */
class VerifyServedBlobsOnceIT {
    static final RepositoryName REPO = RepositoryName.of("team/app");
    /** Several 1 MiB chunks: a damaged one is aborted after its first bytes, before its last. */
    static final int SIZE = 3 * 1024 * 1024 + 5;

    static final TestBlob SERVED_TWICE = TestImages.layer(71, SIZE);
    static final TestBlob DAMAGED_AFTER_VERIFIED = TestImages.layer(72, SIZE);
    static final TestBlob REPLACED = TestImages.layer(73, SIZE);
    static final TestBlob RANGED = TestImages.layer(74, SIZE);
    static final TestBlob OTHER_MODES = TestImages.layer(75, SIZE);
    /** The largest blob {@code once} always hashes: {@code BlobEndpoint.ONCE_HASHES_UP_TO_BYTES}. */
    static final int SMALL_SIZE = 8 * 1024;

    static final TestBlob SMALL = TestImages.layer(79, SMALL_SIZE);
    static final List<TestBlob> QUIET =
            List.of(SERVED_TWICE, DAMAGED_AFTER_VERIFIED, REPLACED, RANGED, OTHER_MODES, SMALL);

    @TempDir
    static Path dir;

    static TestDatabase db;
    static ReadStack stack;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create();
        stack = new ReadStack(db, dir.resolve("storage"), Authenticator.anonymous(), ReadOptions.loopbackEphemeral());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (TestBlob b : QUIET) {
            stack.storeLayer(REPO, b, "t" + b.digest().hex().substring(0, 8));
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> QUIET.stream().allMatch(b -> quietFor(stack.dataFile(b.digest()), 2_500)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theDefaultHashesTheFirstWholeGetAndNotTheNextWhileTheFileIsUnchanged() throws Exception {
        assertThat(ReadOptions.defaults().verifyServedBlobs()).isEqualTo(VerifyServedBlobs.ONCE);
        Counts before = Counts.of(stack.metrics);

        HttpResponse<byte[]> first = get(stack.blobUri(REPO, SERVED_TWICE.digest()));
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 0, 0)));
        HttpResponse<byte[]> second = get(stack.blobUri(REPO, SERVED_TWICE.digest()));
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 1, 0)));

        for (HttpResponse<byte[]> r : List.of(first, second)) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(SERVED_TWICE.content());
            assertThat(r.headers().firstValue("Docker-Content-Digest"))
                    .hasValue(SERVED_TWICE.digest().toString());
        }
    }

    /**
     * A quiet file of at most {@code SMALL_SIZE} bytes is hashed on every whole GET, never
     * recorded: damaged in place after two GETs, its next GET is refused, counted {@code hashed}.
     */
    @Test
    void aSmallBlobIsHashedOnEveryGetAndRefusedOnceDamaged() throws Exception {
        URI uri = stack.blobUri(REPO, SMALL.digest());
        Path data = stack.dataFile(SMALL.digest());
        Counts before = Counts.of(stack.metrics);
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> r = get(uri);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(SMALL.content());
        }
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(2, 0, 0)));

        FileTime mtime = Files.getLastModifiedTime(data);
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(new byte[] {(byte) ~SMALL.content()[SMALL_SIZE / 2]}), SMALL_SIZE / 2);
        }
        Files.setLastModifiedTime(data, mtime);

        assertRefused(uri, SMALL);
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(3, 0, 0)));
    }

    /**
     * The write lands at once after the verified serve, well within the same second, its mtime set
     * back and its size unchanged: only the change time (which no user call sets) tells. The GET is
     * hashed again and refused as {@code always} refuses it ({@code CorruptBlobIT}).
     */
    @Test
    void aFileDamagedInPlaceAfterAVerifiedServeIsHashedAgainAndRefused() throws Exception {
        URI uri = stack.blobUri(REPO, DAMAGED_AFTER_VERIFIED.digest());
        Path data = stack.dataFile(DAMAGED_AFTER_VERIFIED.digest());
        Counts before = Counts.of(stack.metrics);
        servedTwice(uri, before);

        FileTime mtime = Files.getLastModifiedTime(data);
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.WRITE)) {
            file.write(
                    ByteBuffer.wrap(new byte[] {(byte) ~DAMAGED_AFTER_VERIFIED.content()[SIZE / 2]}), SIZE / 2);
        }
        Files.setLastModifiedTime(data, mtime);
        assertThat(Files.size(data)).isEqualTo(SIZE);

        assertRefused(uri, DAMAGED_AFTER_VERIFIED);
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(2, 1, 0)));
    }

    /**
     * A process holds a shared writable mapping of the file and dirtied its page before the first
     * GET; it writes that page again after the verified serve. The kernel sets a file's times on a
     * mapping's write only when the write faults, on the first one to a page since it was written
     * back: before, the second write moved no time and the damaged blob went out whole as a 200.
     * The verifying GET writes the file's dirty pages back first, so that write faults.
     */
    @Test
    void aFileWrittenThroughAMappingAfterAVerifiedServeIsHashedAgainAndRefused() throws Exception {
        TestBlob layer = TestImages.layer(78, SIZE);
        stack.storeLayer(REPO, layer, "mapped");
        Path data = stack.dataFile(layer.digest());
        URI uri = stack.blobUri(REPO, layer.digest());
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = file.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
            mapped.put(SIZE / 2, layer.content()[SIZE / 2]); // same byte: the page is dirty, writable
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> quietFor(data, 2_500));
            Counts before = Counts.of(stack.metrics);
            assertThat(get(uri).body()).isEqualTo(layer.content());
            await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 0, 0)));

            mapped.put(SIZE / 2, (byte) ~layer.content()[SIZE / 2]);
            assertRefused(uri, layer);
        }
    }

    /** Written and damaged in the same second, as in {@code CorruptBlobIT}: a file that young is never trusted. */
    @Test
    void aFileDamagedInTheSecondItWasWrittenIsRefused() throws Exception {
        TestBlob layer = TestImages.layer(76, SIZE);
        stack.storeLayer(REPO, layer, "young");
        Path data = stack.dataFile(layer.digest());
        FileTime mtime = Files.getLastModifiedTime(data);
        byte[] damaged = layer.content().clone();
        damaged[SIZE - 3] ^= 0x20;
        Files.write(data, damaged);
        Files.setLastModifiedTime(data, mtime);

        URI uri = stack.blobUri(REPO, layer.digest());
        assertRefused(uri, layer);
    }

    /**
     * A file verified before is written in place while a GET sends it unhashed: the client reads
     * the headers and a little, so the server waits on the socket far before the last chunk, and
     * the write lands in that chunk. Before, the whole damaged blob went out as a 200 (the write is
     * seen only by the next GET); now the transfer breaks off before its last chunk.
     */
    @Test
    void aFileWrittenWhileItIsSentUnhashedIsNotDeliveredWhole() throws Exception {
        int size = 32 * 1024 * 1024 + 3;
        TestBlob layer = TestImages.layer(77, size);
        stack.storeLayer(REPO, layer, "written-while-sent");
        Path data = stack.dataFile(layer.digest());
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> quietFor(data, 2_500));
        URI uri = stack.blobUri(REPO, layer.digest());
        Counts before = Counts.of(stack.metrics);
        assertThat(get(uri).body()).isEqualTo(layer.content());
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 0, 0)));

        long received;
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                                    + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = responseHead(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            received = in.readNBytes(64 * 1024).length;
            try (FileChannel file = FileChannel.open(data, StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(new byte[] {(byte) ~layer.content()[size - 2]}), size - 2);
            }
            try {
                received += in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException aborted) {
                // broken off: what the fix does
            }
        }
        assertThat(received)
                .as("a file written while it was sent unhashed must not be delivered whole")
                .isLessThan(size);
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 1, 0)));
    }

    /** The status line and headers of an HTTP/1.1 response, read up to the blank line. */
    private static String responseHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection ended in the response head: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    @Test
    void aFileReplacedByRenameIsHashedAgain() throws Exception {
        URI uri = stack.blobUri(REPO, REPLACED.digest());
        Path data = stack.dataFile(REPLACED.digest());
        Counts before = Counts.of(stack.metrics);
        servedTwice(uri, before);

        Path copy = Files.write(data.resolveSibling("copy"), REPLACED.content());
        Files.move(copy, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        HttpResponse<byte[]> r = get(uri);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(REPLACED.content());
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(2, 1, 0)));
    }

    @Test
    void rangeGetsAreServedUnhashedAndUncountedAsBefore() throws Exception {
        Counts before = Counts.of(stack.metrics);
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(stack.blobUri(REPO, RANGED.digest()))
                        .header("Range", "bytes=100-2000000")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(RANGED.content(), 100, 2_000_001));
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 100-2000000/" + SIZE);
        get(stack.blobUri(REPO, RANGED.digest())); // a whole GET after it, counted: the range was not
        await().until(() -> !Counts.of(stack.metrics).minus(before).equals(new Counts(0, 0, 0)));
        assertThat(Counts.of(stack.metrics).minus(before).total()).isEqualTo(1);
    }

    @Test
    void alwaysHashesEveryWholeGetAndNeverNone() throws Exception {
        for (VerifyServedBlobs mode : List.of(VerifyServedBlobs.ALWAYS, VerifyServedBlobs.NEVER)) {
            PrometheusRegistry metrics = new PrometheusRegistry();
            try (RegistryReadServer server = new RegistryReadServer(
                    stack.reader,
                    Authenticator.anonymous(),
                    ReadOptions.loopbackEphemeral().withVerifyServedBlobs(mode),
                    metrics)) {
                server.start();
                URI uri = URI.create(server.uri() + "/v2/" + REPO + "/blobs/" + OTHER_MODES.digest());
                for (int i = 0; i < 3; i++) {
                    HttpResponse<byte[]> r = get(uri);
                    assertThat(r.statusCode()).as(mode.key()).isEqualTo(200);
                    assertThat(r.body()).as(mode.key()).isEqualTo(OTHER_MODES.content());
                }
                Counts expected = mode == VerifyServedBlobs.ALWAYS ? new Counts(3, 0, 0) : new Counts(0, 0, 3);
                await().until(() -> Counts.of(metrics).equals(expected));
            }
        }
    }

    /** Whole GETs by check: {@code hashed}, {@code verified_before}, {@code never}. */
    record Counts(long hashed, long verifiedBefore, long never) {
        static Counts of(PrometheusRegistry metrics) {
            Map<String, Long> byCheck = new java.util.HashMap<>();
            for (MetricSnapshot m : metrics.scrape()) {
                if (m instanceof CounterSnapshot c && c.getMetadata().getName().equals("georeg_read_whole_blob_gets")) {
                    for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
                        byCheck.put(p.getLabels().get("check"), (long) p.getValue());
                    }
                }
            }
            assertThat(byCheck.getOrDefault("object_store", 0L)).isZero();
            return new Counts(
                    byCheck.getOrDefault("hashed", 0L),
                    byCheck.getOrDefault("verified_before", 0L),
                    byCheck.getOrDefault("never", 0L));
        }

        Counts minus(Counts o) {
            return new Counts(hashed - o.hashed, verifiedBefore - o.verifiedBefore, never - o.never);
        }

        long total() {
            return hashed + verifiedBefore + never;
        }
    }

    private static boolean quietFor(Path file, long millis) {
        try {
            FileTime ctime = (FileTime) Files.getAttribute(file, "unix:ctime");
            return ctime.to(TimeUnit.MILLISECONDS) < System.currentTimeMillis() - millis;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Refused as {@code always} refuses it: never delivered whole, quarantined, answered BLOB_UNKNOWN from then on. */
    private static void assertRefused(URI uri, TestBlob layer) throws Exception {
        ReadStack.assertNotDelivered(http, uri, layer.content());
        stack.assertQuarantined(http, uri, layer.digest(), "hash to");
    }

    /** Two whole GETs of a quiet file: the first hashed, the second not. */
    private static void servedTwice(URI uri, Counts before) throws Exception {
        get(uri);
        get(uri);
        await().until(() -> Counts.of(stack.metrics).minus(before).equals(new Counts(1, 1, 0)));
    }

    private static HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
        return ReadStack.get(http, uri);
    }
}
