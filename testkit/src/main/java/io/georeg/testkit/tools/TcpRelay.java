package io.georeg.testkit.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay on an ephemeral loopback port to one target, whose server→client direction can be
 * held: bytes the target sends while {@link #hold()} is in force wait in the relay (the
 * connections stay open) until {@link #release()}. Tests use it to delay what one client hears
 * from a server, e.g. PostgreSQL notifications reaching one router's {@code LISTEN} connection
 * later than another's. {@link #stall()} holds both directions: a server that went silent without
 * closing anything (a blackholed network, a managed PostgreSQL failing over), where a client's
 * request and the answer both wait; {@link #waiting()} tells when something is held.
 *
 * <p>A relay {@link #unaimed()} gets its target later ({@link #aimAt}): its port is bound before
 * the server behind it exists, so a client that must be configured first (distribution's
 * notification URL) is given a port that is already bound, and the server binds port 0 and is
 * aimed at when it is up, again when it restarts on another port. Until then, after
 * {@link #unaim()} and while the target refuses, a connection is closed at once, as if nothing
 * listened.
 *
 * <p>A relay in front of an HTTP server can also keep the request line of every plain HTTP/1.1
 * request its clients send ({@link #recordRequestLines()}): what a client actually asked, e.g. the
 * query of its token requests, seen before the server rewrites anything.
 */
public final class TcpRelay implements AutoCloseable {
    /** A request line as HTTP/1.1 clients send it (RFC 9112, section 3). */
    private static final Pattern REQUEST_LINE =
            Pattern.compile("(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \\S+ HTTP/1\\.[01]$");
    /** Longer lines are not request lines a test looks for (a blob's bytes), and are not kept. */
    private static final int LONGEST_LINE = 16384;

    private final ServerSocket server;
    private volatile InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private boolean held;
    private boolean stalled;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile String stallTrigger;
    private volatile boolean closed;
    private volatile boolean recording;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();

    private TcpRelay(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /** Starts relaying connections to {@code host:port}. */
    public static TcpRelay to(String host, int port) {
        return open(new InetSocketAddress(host, port));
    }

    /** Binds the relay's port now; connections are closed at once until {@link #aimAt}. */
    public static TcpRelay unaimed() {
        return open(null);
    }

    private static TcpRelay open(InetSocketAddress target) {
        try {
            TcpRelay relay = new TcpRelay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), target);
            Thread.ofVirtual().name("tcp-relay-accept").start(relay::accept);
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a relay port", e);
        }
    }

    /** Relays the connections accepted from now on to {@code host:port}. */
    public void aimAt(String host, int port) {
        target = new InetSocketAddress(host, port);
    }

    /** Closes the connections accepted from now on (the target stopped; its port may be anyone's now). */
    public void unaim() {
        target = null;
    }

    /** Keeps the request lines clients send from now on ({@link #requestLines()}); returns this relay. */
    public TcpRelay recordRequestLines() {
        recording = true;
        return this;
    }

    /** Every request line clients sent since {@link #recordRequestLines()}, in the order they were read. */
    public List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on, what the target sends waits in the relay. */
    public void hold() {
        lock.lock();
        try {
            held = true;
        } finally {
            lock.unlock();
        }
    }

    /** From now on, nothing passes either way: what clients and the target send waits in the relay. */
    public void stall() {
        lock.lock();
        try {
            held = true;
            stalled = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * From now on, the first read from a client that holds {@code text} (e.g. a {@code COMMIT} on
     * a PostgreSQL connection) {@link #stall() stalls} the relay before it passes: a connection
     * that goes silent in the middle of a conversation, after the server has seen what came
     * before. Matched within one read, which holds a whole protocol message of the size tests send.
     */
    public void stallWhenClientSends(String text) {
        stallTrigger = text;
    }

    /** How many reads wait in the relay now (either direction), e.g. a query sent to a stalled server. */
    public int waiting() {
        return waiting.get();
    }

    /** Passes on what waited, and everything after it. */
    public void release() {
        lock.lock();
        try {
            held = false;
            stalled = false;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                InetSocketAddress to = target;
                Socket upstream;
                try {
                    if (to == null) {
                        throw new IOException("the relay has no target yet");
                    }
                    upstream = new Socket(to.getAddress(), to.getPort());
                } catch (IOException e) {
                    closeQuietly(client); // as if nothing listened: the client sees the connection end
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, true));
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromTarget) {
        byte[] buffer = new byte[16384];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!fromTarget) {
                    stallIfTriggered(buffer, n);
                }
                awaitRelease(fromTarget);
                if (!fromTarget && recording) {
                    scanForRequestLines(buffer, n, line);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // The other side closed, or the relay did: both sockets go.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /**
     * Keeps each request line in {@code n} bytes read from a client (a line carried over in
     * {@code line}). A request line is matched at the end of a line: a body sent without a line
     * break (a form, a blob) runs into the next request's line. A body that happens to hold a
     * request line is taken for one: tests look for specific paths, which a test's bodies do not
     * contain.
     */
    private void scanForRequestLines(byte[] bytes, int n, ByteArrayOutputStream line) {
        for (int i = 0; i < n; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                Matcher request = REQUEST_LINE.matcher(
                        line.toString(StandardCharsets.ISO_8859_1).stripTrailing());
                if (line.size() <= LONGEST_LINE && request.find()) {
                    requestLines.add(request.group());
                }
                line.reset();
            } else if (line.size() <= LONGEST_LINE) {
                line.write(b);
            }
        }
    }

    private void stallIfTriggered(byte[] bytes, int n) {
        String trigger = stallTrigger;
        if (trigger != null && new String(bytes, 0, n, StandardCharsets.ISO_8859_1).contains(trigger)) {
            stallTrigger = null;
            stall();
        }
    }

    private void awaitRelease(boolean fromTarget) throws InterruptedException {
        lock.lock();
        try {
            if (!heldNow(fromTarget) || closed) {
                return;
            }
            waiting.incrementAndGet();
            try {
                while (heldNow(fromTarget) && !closed) {
                    released.await();
                }
            } finally {
                waiting.decrementAndGet();
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@link #hold()} holds what the target sends; {@link #stall()} what clients send too. */
    private boolean heldNow(boolean fromTarget) {
        return fromTarget ? held : stalled;
    }

    @Override
    public void close() {
        closed = true;
        release();
        closeQuietly(server);
        sockets.forEach(TcpRelay::closeQuietly);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }
}
