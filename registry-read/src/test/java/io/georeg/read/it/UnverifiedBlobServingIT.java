package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImages;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registryRead.verifyServedBlobs: never} ({@code false}): filesystem blobs are sent without a hash, file →
 * pooled 1 MiB direct buffer → socket. Whole and ranged GETs (across those chunks), HEAD, and a keep-alive connection that serves two blobs one after the other must be exactly as
 * in the default mode; the trade of the mode is that a blob damaged at rest is served as it is
 * stored ({@code always} refuses or aborts it: {@code CorruptBlobIT}, and so does the default
 * {@code once} for a file not verified before), left to the replicator's
 * scrub and to the client's digest check. Real PostgreSQL and filesystem storage.
 */
class UnverifiedBlobServingIT {
    static final RepositoryName REPO = RepositoryName.of("team/app");
    /** Several 1 MiB chunks and a bit: chunk boundaries are crossed by the whole GET and by ranges. */
    static final TestBlob BIG = TestImages.layer(61, 5 * 1024 * 1024 + 12_345);

    static final TestBlob SMALL = TestImages.layer(62, 70_000);

    @TempDir
    static Path dir;

    static TestDatabase db;
    static ReadStack stack;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create();
        stack = new ReadStack(
                db,
                dir.resolve("storage"),
                Authenticator.anonymous(),
                ReadOptions.loopbackEphemeral().withVerifyServedBlobs(ReadOptions.VerifyServedBlobs.NEVER));
        store(BIG);
        store(SMALL);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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
    void wholeBlobIsServedWithItsHeaders() throws Exception {
        HttpResponse<byte[]> r = get(BIG, null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(BIG.content());
        assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(BIG.size()));
        assertThat(r.headers().firstValue("Docker-Content-Digest"))
                .hasValue(BIG.digest().toString());
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.headers().firstValue("Content-Range")).isEmpty();
    }

    @Test
    void headAnswersTheBlobsHeadersWithoutItsBytes() throws Exception {
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(blobUri(BIG))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(BIG.size()));
        assertThat(r.headers().firstValue("Docker-Content-Digest"))
                .hasValue(BIG.digest().toString());
    }

    @Test
    void rangesAreServedWithTheirBytesAndContentRange() throws Exception {
        long size = BIG.size();
        long chunk = 1024 * 1024;
        long[][] ranges = {
            {0, 0}, // the first byte
            {1000, 5_000_000}, // inside the first slice
            {chunk - 10, chunk + 10}, // across the first chunk boundary
            {100, size - 1}, // every chunk, to the last byte
            {size - 1, size - 1}, // the last byte alone
        };
        for (long[] range : ranges) {
            assertRange("bytes=" + range[0] + "-" + range[1], range[0], range[1]);
        }
        assertRange("bytes=-1000", size - 1000, size - 1); // a suffix
        assertRange("bytes=" + (5 * chunk + 1) + "-", 5 * chunk + 1, size - 1); // open-ended, in the last chunk
    }

    @Test
    void oneKeepAliveConnectionServesTwoBlobsOneAfterTheOther() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), stack.port())) {
            s.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();

            Reply first = exchange(in, out, BIG, "");
            Reply second = exchange(in, out, SMALL, "");
            Reply third = exchange(in, out, BIG, "Range: bytes=-70000\r\n");

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).isEqualTo(BIG.content());
            assertThat(first.headers()).doesNotContainEntry("connection", "close");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo(SMALL.content());
            assertThat(third.status()).isEqualTo(206);
            assertThat(third.body())
                    .isEqualTo(Arrays.copyOfRange(BIG.content(), (int) BIG.size() - 70_000, (int) BIG.size()));
        }
    }

    /**
     * The trade of the mode, written as a test so that it is a decision and not an accident: the
     * stored bytes go out as they are, whole, with the blob's digest header; the blob is not
     * quarantined. {@code always} refuses the same blob ({@code CorruptBlobIT}).
     */
    @Test
    void blobDamagedAtRestIsServedAsStored() throws Exception {
        TestBlob layer = TestImages.layer(63, 3 * 1024 * 1024 + 5);
        store(layer);
        byte[] damaged = layer.content().clone();
        damaged[damaged.length / 2] ^= 0x20;
        Files.write(dataFile(layer), damaged);

        HttpResponse<byte[]> r = get(layer, null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(damaged);
        assertThat(r.headers().firstValue("Docker-Content-Digest"))
                .hasValue(layer.digest().toString());
        assertThat(stack.verifyState(layer.digest())).isEqualTo("unverified");
    }

    /** A file shorter than its blob cannot fill the Content-Length: the transfer breaks off, never a short 200. */
    @Test
    void truncatedBlobIsNeverDeliveredWhole() throws Exception {
        TestBlob layer = TestImages.layer(64, 2 * 1024 * 1024);
        store(layer);
        Files.write(dataFile(layer), Arrays.copyOf(layer.content(), layer.content().length - 100));

        try {
            HttpResponse<byte[]> r = get(layer, null);
            assertThat(r.statusCode()).isNotEqualTo(200);
        } catch (IOException aborted) {
            assertThat(aborted).isNotNull();
        }
    }

    private static void assertRange(String header, long first, long last) throws Exception {
        HttpResponse<byte[]> r = get(BIG, header);

        assertThat(r.statusCode()).as(header).isEqualTo(206);
        assertThat(r.body()).as(header).isEqualTo(Arrays.copyOfRange(BIG.content(), (int) first, (int) last + 1));
        assertThat(r.headers().firstValue("Content-Length")).as(header).hasValue(String.valueOf(last - first + 1));
        assertThat(r.headers().firstValue("Content-Range"))
                .as(header)
                .hasValue("bytes " + first + "-" + last + "/" + BIG.size());
        assertThat(r.headers().firstValue("Docker-Content-Digest"))
                .as(header)
                .hasValue(BIG.digest().toString());
    }

    private record Reply(int status, Map<String, String> headers, byte[] body) {}

    /** One GET on an open connection; the body is read by its Content-Length, the connection left open. */
    private static Reply exchange(InputStream in, OutputStream out, TestBlob blob, String extraHeaders)
            throws IOException {
        out.write(("GET /v2/" + REPO + "/blobs/" + blob.digest() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
                        + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the headers: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT));
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }

    private static void store(TestBlob layer) {
        stack.storeLayer(REPO, layer, "t" + layer.digest().hex().substring(0, 8));
    }

    private static Path dataFile(TestBlob layer) {
        return stack.dataFile(layer.digest());
    }

    private static URI blobUri(TestBlob layer) {
        return stack.blobUri(REPO, layer.digest());
    }

    private static HttpResponse<byte[]> get(TestBlob layer, String range) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(blobUri(layer)).timeout(Duration.ofSeconds(30));
        if (range != null) {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
