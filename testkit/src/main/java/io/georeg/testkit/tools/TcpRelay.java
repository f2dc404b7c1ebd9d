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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay on an ephemeral loopback port to one target, which a test breaks for the one
 * component it points at without touching the target or anyone else using it (the shared
 * PostgreSQL server, a primary registry). It is the tests' one TCP middleman; {@link HoldingProxy}
 * is the HTTP one, which holds the answer to one chosen request.
 *
 * <ul>
 *   <li>{@link #hold()}: bytes the target sends wait in the relay (the connections stay open) —
 *       e.g. PostgreSQL notifications reaching one router's {@code LISTEN} connection later than
 *       another's.
 *   <li>{@link #stall()}: nothing passes either way, and new connections are accepted but not
 *       relayed — a server that went silent without closing anything (a blackholed network, a
 *       managed PostgreSQL failing over). {@link #stallWhenClientSends} stalls in the middle of a
 *       conversation; {@link #waiting()} tells when something is held.
 *   <li>{@link #release()} passes on what waited, and everything after it: the server answers late.
 *   <li>{@link #cut()}: every open connection is closed, and new ones as soon as they are
 *       accepted — a server that went away. The port stays bound, so nothing else takes it.
 *   <li>{@link #restore()}: new connections are relayed again, and the connections that a stall
 *       held are closed, not released — the server came back after an outage.
 * </ul>
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
 *
 * <p>One virtual thread per connection and direction; {@link #close()} stops it all.
 */
public final class TcpRelay implements AutoCloseable {
    /** A request line as HTTP/1.1 clients send it (RFC 9112, section 3). */
    private static final Pattern REQUEST_LINE =
            Pattern.compile("(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \\S+ HTTP/1\\.[01]$");
    /** Longer lines are not request lines a test looks for (a blob's bytes), and are not kept. */
    private static final int LONGEST_LINE = 16384;
    /** A target that does not answer a connect within this is taken as refusing it. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final ServerSocket server;
    private volatile InetSocketAddress target;
    /** Every socket of every connection not yet closed, on both sides of the relay. */
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private boolean held;
    private boolean stalled;
    private volatile boolean cut;
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

    /** The port to connect to instead of the target's. */
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

    /**
     * From now on, nothing passes either way: what clients and the target send waits in the relay,
     * and a connection accepted now reaches the target only once the stall ends.
     */
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

    /** Closes every open connection, and every new one as soon as it is accepted, until {@link #restore()}. */
    public void cut() {
        lock.lock();
        try {
            cut = true;
            held = false;
            stalled = false;
            // Closed before the waiting reads wake: nothing that waited is passed on.
            closeAll();
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Relays new connections again, after a {@link #cut()} or a {@link #stall()}. The connections a
     * stall or a hold kept waiting are closed with what waited in them (a client that waited on
     * them sees them break, as after a real outage); {@link #release()} would pass it on instead.
     */
    public void restore() {
        lock.lock();
        try {
            if (held || stalled) {
                closeAll(); // before the waiting reads wake, as in cut()
            }
            cut = false;
            held = false;
            stalled = false;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (cut) {
                closeQuietly(client); // the target went away: the client sees the connection end
                continue;
            }
            sockets.add(client);
            Thread.ofVirtual().name("tcp-relay-connect").start(() -> connect(client));
        }
    }

    /** Connects {@code client} to the target once no stall is in force, and starts relaying both ways. */
    private void connect(Socket client) {
        InetSocketAddress to;
        try {
            awaitRelease(false, false);
            to = target;
            if (to == null) {
                throw new IOException("the relay has no target");
            }
        } catch (IOException | InterruptedException e) {
            closeQuietly(client); // as if nothing listened: the client sees the connection end
            return;
        }
        Socket upstream = new Socket();
        try {
            upstream.connect(to, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        sockets.add(upstream);
        if (client.isClosed()) {
            closeQuietly(upstream); // cut or restored while this connected
            return;
        }
        Thread.ofVirtual().name("tcp-relay-up").start(() -> pump(client, upstream, false));
        Thread.ofVirtual().name("tcp-relay-down").start(() -> pump(upstream, client, true));
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
                awaitRelease(fromTarget, true);
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

    /**
     * Waits while what comes {@code fromTarget} (or from a client) is held; a read that waits is
     * {@code counted} in {@link #waiting()}, a connection waiting to reach the target is not.
     */
    private void awaitRelease(boolean fromTarget, boolean counted) throws InterruptedException {
        lock.lock();
        try {
            if (!heldNow(fromTarget)) {
                return;
            }
            if (counted) {
                waiting.incrementAndGet();
            }
            try {
                while (heldNow(fromTarget)) {
                    released.await();
                }
            } finally {
                if (counted) {
                    waiting.decrementAndGet();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@link #hold()} holds what the target sends; {@link #stall()} what clients send too. */
    private boolean heldNow(boolean fromTarget) {
        return !closed && (fromTarget ? held : stalled);
    }

    private void closeAll() {
        sockets.forEach(this::closeQuietly);
    }

    @Override
    public void close() {
        closed = true;
        release();
        try {
            server.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
        closeAll();
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }
}
