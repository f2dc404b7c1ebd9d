package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Descriptor;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filesystem blob larger than one mapped window ({@code api.MappedFileSender}, 16 MiB) through
 * registry-read's single-copy path: whole, by ranges across window boundaries, by HEAD, and with
 * a client that stops reading and then goes away mid-transfer (the server holds the file mapped
 * while it waits; once the client has left nothing holds on to the mapped windows, so a garbage
 * collection unmaps them; the blob stays servable: a disconnect is not damage). The mappings are
 * read from this JVM's {@code /proc/self/maps}, where the server runs.
 */
class MappedBlobIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storage;

    static final RepositoryName REPO = RepositoryName.of("big/layers");
    static final int WINDOW = 16 * 1024 * 1024;

    static ReadStack stack;
    static HttpClient http;
    static TestBlob blob;

    @BeforeAll
    static void start() throws Exception {
        stack = new ReadStack(DB, storage, Authenticator.anonymous(), ReadOptions.loopbackEphemeral());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        blob = TestImages.layer(91, 2 * WINDOW + 3 * 1024 * 1024 + 11);
        stack.store(
                REPO, TestImages.image(MediaTypes.OCI_MANIFEST, 92, List.of(blob), (Descriptor.Platform) null), "v1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void wholeBlobAcrossWindowsHasItsBytesAndHeadersLikeHead() throws Exception {
        HttpResponse<byte[]> get = send("GET", null);
        HttpResponse<byte[]> head = send("HEAD", null);

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(get.body(), blob.content())).isTrue();
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Length", "ETag", "Accept-Ranges")) {
            assertThat(head.headers().firstValue(h))
                    .as(h)
                    .isPresent()
                    .isEqualTo(get.headers().firstValue(h));
        }
        assertThat(get.headers().firstValue("Content-Length")).hasValue(Integer.toString(blob.content().length));
    }

    @Test
    void rangesAcrossWindowBoundariesAreExact() throws Exception {
        // A range's windows start after its first 64 KiB (sent through Jersey): the second range
        // crosses a window boundary of its own, the others those of the whole blob.
        int[][] ranges = {
            {WINDOW - 5, WINDOW + 5}, {123, WINDOW + 2 * 65_536 + 99}, {2 * WINDOW - 1, blob.content().length - 1}
        };
        for (int[] r : ranges) {
            HttpResponse<byte[]> got = send("GET", "bytes=" + r[0] + "-" + r[1]);
            assertThat(got.statusCode()).isEqualTo(206);
            assertThat(got.headers().firstValue("Content-Range"))
                    .hasValue("bytes " + r[0] + "-" + r[1] + "/" + blob.content().length);
            assertThat(Arrays.equals(got.body(), Arrays.copyOfRange(blob.content(), r[0], r[1] + 1)))
                    .as("bytes %d-%d", r[0], r[1])
                    .isTrue();
        }
    }

    @Test
    void clientLeavingMidTransferLeavesNoMappingHeldAndTheBlobServable() throws Exception {
        String file = dataFile().toRealPath().toString();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), stack.port()));
            OutputStream out = client.getOutputStream();
            out.write(("GET /v2/" + REPO + "/blobs/" + blob.digest() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.ISO_8859_1))
                    .isEqualTo("HTTP/1.1 200");
            in.readNBytes(1024 * 1024);
            // The client stops reading: the server waits in a write with a window of the file mapped.
            await().atMost(Duration.ofSeconds(60)).until(() -> mappings(file) > 0);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            System.gc(); // the JVM unmaps a window when its buffer is collected
            return mappings(file) == 0;
        });

        assertThat(verifyState()).as("a client leaving is not damage").isEqualTo("unverified");
        HttpResponse<byte[]> again = send("GET", null);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(again.body(), blob.content())).isTrue();
    }

    private static long mappings(String file) throws IOException {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.endsWith(" " + file)).count();
        }
    }

    private static Path dataFile() {
        return ((FilesystemObjectStore) stack.blobs.objects()).pathOf(DistributionLayout.blobData(blob.digest()));
    }

    private static HttpResponse<byte[]> send(String method, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.port() + "/v2/" + REPO + "/blobs/" + blob.digest()))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60));
        if (range != null) {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String verifyState() {
        return DB.queryText("SELECT verify_state::text FROM blobs WHERE digest = '" + blob.digest() + "'");
    }
}
