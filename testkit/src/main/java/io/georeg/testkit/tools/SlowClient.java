package io.georeg.testkit.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slow clients over a raw socket, for tests of a listener's client deadlines.
 *
 * <ul>
 *   <li>{@link #trickleHeaders}: a slowloris client — a request line and then one byte of a header
 *       every {@code pause} (at a fixed rate, on a scheduler of its own), never ending the headers,
 *       until the server closes the connection ({@link #cutOff()}) or the client is closed. Each
 *       byte resets the server's idle timeout, so only a header deadline ends it.
 *   <li>{@link #trickleBody}: the same with the body (a slow POST): whole headers announcing a large
 *       body at once, then one byte of the body every {@code pause}; only a minimum body rate ends it.
 *   <li>{@link #stallBody}: whole headers announcing a body, a first part of it, then silence (a
 *       client that stalls mid-upload); only an idle timeout ends it.
 *   <li>{@link #uploadSlowly}: a valid request whose headers arrive at once and whose body comes in
 *       pieces, one every {@code pause}: what a client on a slow link uploading a layer looks like,
 *       which no header deadline may cut.
 * </ul>
 */
public final class SlowClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final AtomicBoolean cutOff = new AtomicBoolean();
    private final AtomicInteger bytesAnswered = new AtomicInteger();
    private final ByteArrayOutputStream answer = new ByteArrayOutputStream();
    private final ScheduledExecutorService pacer = pacer();

    private SlowClient(URI url, String start, Duration pause) throws IOException {
        socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (pause != null) {
            pacer.scheduleAtFixedRate(() -> trickle(out), pause.toMillis(), pause.toMillis(), TimeUnit.MILLISECONDS);
        }
        Thread.ofVirtual().name("slow-client-reader").start(this::awaitClose);
    }

    /** Starts trickling headers to {@code url}'s host and port. */
    public static SlowClient trickleHeaders(URI url, Duration pause) throws IOException {
        return new SlowClient(url, "GET /v2/ HTTP/1.1\r\nHost: " + url.getHost() + "\r\nX-Trickle: ", pause);
    }

    /**
     * Sends {@code method target} with its headers at once, announcing a body of {@code length}
     * bytes, then trickles the body to {@code url}'s host and port one byte every {@code pause}.
     */
    public static SlowClient trickleBody(URI url, String method, String target, long length, Duration pause)
            throws IOException {
        return new SlowClient(url, uploadHeaders(url, method, target, length), pause);
    }

    private static String uploadHeaders(URI url, String method, String target, long length) {
        return method + " " + target + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /**
     * Sends {@code method target} with its headers at once, announcing a body of {@code length}
     * bytes, and the first {@code sent} bytes of that body to {@code url}'s host and port, then sends
     * nothing more until the server closes the connection or the client is closed.
     */
    public static SlowClient stallBody(URI url, String method, String target, long length, int sent)
            throws IOException {
        return new SlowClient(url, uploadHeaders(url, method, target, length) + "s".repeat(sent), null);
    }

    /** Whether the server closed the connection (or reset it). */
    public boolean cutOff() {
        return cutOff.get();
    }

    /**
     * How many bytes the server sent before it closed: 0 when it cut the client off without an
     * answer (a deadline), more when it refused the request with an error response.
     */
    public int bytesAnswered() {
        return bytesAnswered.get();
    }

    /** What the server sent so far (its answer, if it refused the request with one). */
    public String answer() {
        synchronized (answer) {
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** One more byte of the header that never ends. */
    private void trickle(OutputStream out) {
        try {
            out.write('a');
            out.flush();
        } catch (IOException e) {
            cutOff.set(true);
            pacer.shutdown();
        }
    }

    private void awaitClose() {
        try (InputStream in = socket.getInputStream()) {
            for (int b; (b = in.read()) >= 0; ) {
                synchronized (answer) {
                    answer.write(b);
                }
                bytesAnswered.incrementAndGet();
            }
            cutOff.set(true);
        } catch (IOException e) {
            cutOff.set(!socket.isClosed() || cutOff.get());
        }
    }

    @Override
    public void close() throws IOException {
        pacer.shutdownNow();
        socket.close();
    }

    /** The answer to a slow upload: its status and body. */
    public record Answer(int status, String body) {}

    /**
     * Sends {@code method target} to {@code url}'s host and port with its headers at once and then
     * {@code body} in {@code pieces} pieces, the first at once and each next one {@code pause} after
     * the previous (so the body takes at least {@code (pieces - 1) × pause}), and returns the answer
     * read to the end ({@code Connection: close}).
     */
    public static Answer uploadSlowly(URI url, String method, String target, byte[] body, int pieces, Duration pause)
            throws IOException {
        ScheduledExecutorService pacer = pacer();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + target + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                            + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
            int pieceSize = (body.length + pieces - 1) / pieces;
            for (int i = 0; i < pieces; i++) {
                int from = Math.min(body.length, i * pieceSize);
                int to = Math.min(body.length, from + pieceSize);
                long delay = i == 0 ? 0 : pause.toMillis();
                sent = sent.thenCompose(ignored -> CompletableFuture.runAsync(
                        () -> write(out, body, from, to),
                        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, pacer)));
            }
            try {
                sent.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while uploading", e);
            } catch (ExecutionException e) {
                throw new IOException("upload failed: " + e.getCause(), e.getCause());
            }
            return parse(socket.getInputStream());
        } finally {
            pacer.shutdownNow();
        }
    }

    private static void write(OutputStream out, byte[] body, int from, int to) {
        try {
            out.write(body, from, to - from);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Answer parse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.ISO_8859_1);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || headerEnd < 0) {
            throw new IOException("no complete HTTP response: " + text);
        }
        return new Answer(Integer.parseInt(text.substring(9, 12)), text.substring(headerEnd + 4));
    }

    private static ScheduledExecutorService pacer() {
        return Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("slow-client").daemon(true).factory());
    }
}
