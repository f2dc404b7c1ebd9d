package io.georeg.testkit.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slowloris client for tests of a listener's header deadline: connects to {@code url}, sends a
 * request line and then one byte of a header every {@code pause} (at a fixed rate, on a scheduler
 * of its own), never ending the headers, until
 * the server closes the connection ({@link #cutOff()}) or the client is closed.
 */
public final class SlowClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final AtomicBoolean cutOff = new AtomicBoolean();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("slow-client").daemon(true).factory());

    private SlowClient(URI url, Duration pause) throws IOException {
        socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /v2/ HTTP/1.1\r\nHost: " + url.getHost() + "\r\nX-Trickle: ")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        pacer.scheduleAtFixedRate(() -> trickle(out), pause.toMillis(), pause.toMillis(), TimeUnit.MILLISECONDS);
        Thread.ofVirtual().name("slow-client-reader").start(this::awaitClose);
    }

    /** Starts trickling headers to {@code url}'s host and port. */
    public static SlowClient trickle(URI url, Duration pause) throws IOException {
        return new SlowClient(url, pause);
    }

    /** Whether the server closed the connection (or reset it). */
    public boolean cutOff() {
        return cutOff.get();
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
            while (in.read() >= 0) {
                // the server may answer before it closes (it does not for a request never ended)
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
}
