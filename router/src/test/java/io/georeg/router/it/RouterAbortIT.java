package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.logs.CapturedLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.Blocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The abort paths of a proxied download, through a real router on 127.0.0.1 whose upstream
 * client runs its listeners on its I/O thread (NON_BLOCKING): a client that goes away mid-body
 * must end the upstream exchange, an upstream that dies mid-body must reach the client as a
 * truncated response, and either way the router serves the next request whole. Blobs are read
 * from the fake primary after the fake replica's BLOB_UNKNOWN (a fallback), over raw sockets so
 * that what the client sees is exactly what the router wrote.
 */
class RouterAbortIT {
    private static final String BIG = "sha256:" + "a".repeat(64);
    private static final String SMALL = "sha256:" + "c".repeat(64);
    private static final int SMALL_SIZE = 1024 * 1024;

    private final RouterFixtures fixtures = new RouterFixtures();
    private FakeUpstream primary;
    private Router router;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        primary = fixtures.fakeUpstream();
        FakeUpstream replica = fixtures.fakeUpstream();
        replica.answer((req, resp, cb) -> FakeUpstream.text(
                resp, cb, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}"));
        client = fixtures.started(new HttpClient());
        router = fixtures.add(LoopbackRouter.start(
                primary.url(),
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                LoopbackRouter.WITHOUT_DATABASE));
    }

    @AfterEach
    void stop() throws Exception {
        fixtures.close();
    }

    /**
     * Tried: the primary streams a 256 MiB blob (Content-Length announced, 64 KiB blocking writes)
     * and a client reads its headers and 4 MiB, then closes its socket (64 KiB receive buffer, so
     * nothing much waits unread). The router must abort its upstream exchange: the primary's write
     * fails within 20 s — before the fake's own 30 s idle timeout could fail it, so a router that
     * merely stopped reading would not pass — having written at most a quarter of the blob (what
     * socket buffers on the way can hold is a few tens of MiB at most), and the next GET through
     * the same router comes back whole.
     */
    @Test
    void clientClosingMidDownloadAbortsTheUpstreamExchangeAndTheNextGetIsWhole() throws Exception {
        long size = 256L * 1024 * 1024;
        CompletableFuture<Long> writtenWhenCut = new CompletableFuture<>();
        CompletableFuture<Throwable> cut = new CompletableFuture<>();
        answerBig(size, (req, resp, cb) -> {
            byte[] buffer = new byte[64 * 1024];
            long written = 0;
            try {
                while (written < size) {
                    try (Blocker.Callback blocker = Blocker.callback()) {
                        resp.write(false, ByteBuffer.wrap(buffer), blocker);
                        blocker.block();
                    }
                    written += buffer.length;
                }
            } catch (IOException | RuntimeException e) {
                writtenWhenCut.complete(written);
                cut.complete(e);
                cb.failed(e);
                return;
            }
            writtenWhenCut.complete(written);
            resp.write(true, ByteBuffer.allocate(0), cb);
        });

        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            InputStream in = getBig(socket, size);
            assertThat(in.readNBytes(4 * 1024 * 1024)).hasSize(4 * 1024 * 1024);
        }

        await("the primary's write failing after the client left")
                .atMost(Duration.ofSeconds(20))
                .until(writtenWhenCut::isDone);
        assertThat(cut)
                .as("the primary's write failed (it did not send the whole blob)")
                .isDone();
        // Blocker.Callback.block() wraps whatever failed the write in an IOException: an idle
        // timeout would arrive as the cause, not as the exception itself.
        assertThat(causeChain(cut.get()))
                .as("cut by the router, not by an idle timeout")
                .noneMatch(TimeoutException.class::isInstance);
        assertThat(writtenWhenCut.get())
                .as("bytes the primary wrote before the router cut it")
                .isLessThan(size / 4);

        assertSmallGetIsWhole();
    }

    /**
     * Tried: the primary announces Content-Length 8 MiB, writes 1 MiB, then fails its response
     * (Jetty closes the connection). The client must see a response that ends short of its
     * Content-Length: its connection closed (or reset) after fewer bytes, never a complete body and
     * never a hang (30 s read timeout). The access log's line for it says the 200 was cut short
     * ({@code outcome=aborted}, the bytes sent against the length announced), not a 200 like any
     * other. The next GET through the same router comes back whole.
     */
    @Test
    void primaryDyingMidBodyReachesTheClientAsATruncatedResponseLoggedAsAbortedAndTheNextGetIsWhole() throws Exception {
        long announced = 8L * 1024 * 1024;
        int sent = 1024 * 1024;
        answerBig(announced, dyingAfter(sent));

        CapturedLog access = CapturedLog.of("io.georeg.router.access");
        String requestId = "cut-" + Long.toString(System.nanoTime(), 36);
        long read = 0;
        IOException endedBy = null;
        try (Socket socket = new Socket()) {
            InputStream in = getBig(socket, announced, requestId);
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    read += n;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the router neither finished nor closed the response after " + read, e);
            } catch (IOException e) {
                endedBy = e; // a reset: truncated as well
            }
        }
        assertThat(read)
                .as("body bytes before the connection ended (%s)", endedBy == null ? "EOF" : endedBy)
                .isLessThan(announced)
                .isLessThanOrEqualTo(sent);
        String line = accessLine(access, requestId);
        assertThat(line).contains("status=200", "outcome=aborted", "length=" + announced);
        Matcher bytes = Pattern.compile(" bytes=(\\d+) ").matcher(line);
        assertThat(bytes.find()).as(line).isTrue();
        assertThat(Long.parseLong(bytes.group(1))).as(line).isLessThanOrEqualTo(sent);

        assertSmallGetIsWhole();
    }

    /**
     * Tried: the primary answers chunked (no Content-Length), writes 1 MiB, then fails its response.
     * The access log's line says {@code outcome=aborted} with the bytes sent and no {@code length}:
     * nothing was promised, so there is no figure to write (it said {@code length=-1}).
     */
    @Test
    void aChunkedAnswerCutShortIsLoggedAsAbortedWithoutALength() throws Exception {
        int sent = 1024 * 1024;
        answerBig(-1, dyingAfter(sent));

        CapturedLog access = CapturedLog.of("io.georeg.router.access");
        String requestId = "chunked-" + Long.toString(System.nanoTime(), 36);
        try (Socket socket = new Socket()) {
            InputStream in = getBig(socket, -1, requestId);
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the router neither finished nor closed the chunked response", e);
            } catch (IOException e) {
                // a reset ends it as well
            }
        }
        String line = accessLine(access, requestId);
        assertThat(line).contains("status=200", "outcome=aborted").doesNotContain("length=");

        assertSmallGetIsWhole();
    }

    /**
     * The primary answers GETs of {@code BIG} with a 200 announcing {@code length} (none, chunked,
     * when it is negative) and then {@code body}, and every other path with the small blob, whole.
     */
    private void answerBig(long length, FakeUpstream.Answer body) {
        primary.answer((req, resp, cb) -> {
            if (!req.getHttpURI().getPath().endsWith(BIG)) {
                small(resp, cb);
                return;
            }
            resp.setStatus(200);
            if (length >= 0) {
                resp.getHeaders().put("Content-Length", length);
            }
            body.answer(req, resp, cb);
        });
    }

    /** The access log's line of the request {@code requestId}, waited for up to 30 s; closes {@code access}. */
    private static String accessLine(CapturedLog access, String requestId) {
        String marker = "id=" + requestId + " ";
        try (access) {
            await("the access log line of " + requestId)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> access.lines().stream().anyMatch(l -> l.contains(marker)));
            return access.lines().stream()
                    .filter(l -> l.contains(marker))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** A body that writes {@code sent} bytes and then fails the response: a primary dying mid-body. */
    private static FakeUpstream.Answer dyingAfter(int sent) {
        return (req, resp, cb) -> {
            try (Blocker.Callback blocker = Blocker.callback()) {
                resp.write(false, ByteBuffer.wrap(new byte[sent]), blocker);
                blocker.block();
            }
            cb.failed(new IOException("the primary dies mid-body"));
        };
    }

    private static void small(org.eclipse.jetty.server.Response resp, org.eclipse.jetty.util.Callback cb) {
        resp.setStatus(200);
        resp.getHeaders().put("Content-Length", SMALL_SIZE);
        resp.write(true, ByteBuffer.wrap(smallBody()), cb);
    }

    private static byte[] smallBody() {
        byte[] body = new byte[SMALL_SIZE];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        return body;
    }

    private void assertSmallGetIsWhole() throws Exception {
        ContentResponse response = client.newRequest(router.localUrl() + "/v2/a/blobs/" + SMALL)
                .timeout(30, TimeUnit.SECONDS)
                .send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("X-Georeg-Source")).isEqualTo("primary-fallback");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertThat(HexFormat.of().formatHex(sha.digest(response.getContent())))
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(smallBody())));
    }

    /**
     * Connects {@code socket} to the router (30 s read timeout), sends a GET of {@code BIG} and
     * reads the answer's head: a 200 announcing {@code length} (-1: none, chunked). Returns the
     * body's stream.
     */
    private InputStream getBig(Socket socket, long length) throws IOException {
        return getBig(socket, length, null);
    }

    /** As {@link #getBig(Socket, long)}, sent with {@code X-Request-Id: requestId} unless it is null. */
    private InputStream getBig(Socket socket, long length, String requestId) throws IOException {
        URI url = router.localUrl();
        socket.connect(new InetSocketAddress(url.getHost(), url.getPort()));
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /v2/a/blobs/" + BIG + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + (requestId == null ? "" : "X-Request-Id: " + requestId + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        Head head = Head.read(in);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.contentLength()).isEqualTo(length);
        return in;
    }

    /** A response's status and Content-Length, read byte by byte up to the blank line. */
    private record Head(int status, long contentLength) {
        private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the response head: " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            Matcher length = LENGTH.matcher(text);
            return new Head(
                    Integer.parseInt(text.substring(9, 12)), length.find() ? Long.parseLong(length.group(1)) : -1);
        }
    }

    /** {@code failure} and each of its causes, outermost first. */
    private static List<Throwable> causeChain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
