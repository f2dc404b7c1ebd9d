package io.georeg.testkit.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on an ephemeral loopback port in front of one target (e.g. the shared PostgreSQL
 * server), which a test can break for the one component it points at, without touching the
 * target or anyone else using it:
 * <ul>
 * <li>{@link #cut()}: every open connection is closed and new ones are closed as soon as they are
 *     accepted — a database that went away;</li>
 * <li>{@link #stall()}: connections stay open but nothing is forwarded either way, and new ones
 *     are accepted and never answered — a database that hangs;</li>
 * <li>{@link #restore()}: new connections are forwarded again (the broken ones stay broken, as
 *     after a real outage).</li>
 * </ul>
 * One thread per accepted connection and direction (virtual threads). {@link #close()} stops it.
 */
public final class TcpProxy implements AutoCloseable {
    private enum Mode {
        FORWARD,
        CUT,
        STALL
    }

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;
    private final Object stallLock = new Object();

    private TcpProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("tcp-proxy-accept").start(this::accept);
    }

    /** A proxy to {@code host:port}, forwarding from the start. */
    public static TcpProxy to(String host, int port) throws IOException {
        return new TcpProxy(new InetSocketAddress(host, port));
    }

    /** The port to connect to instead of the target's. */
    public int port() {
        return server.getLocalPort();
    }

    /** Closes every connection and every new one: the target is gone. */
    public void cut() {
        mode = Mode.CUT;
        closeAll();
        synchronized (stallLock) {
            stallLock.notifyAll();
        }
    }

    /** Forwards nothing any more, on open and new connections, and closes nothing: the target hangs. */
    public void stall() {
        mode = Mode.STALL;
    }

    /** New connections are forwarded again; connections that were stalled are closed. */
    public void restore() {
        if (mode == Mode.STALL) {
            closeAll();
        }
        mode = Mode.FORWARD;
        synchronized (stallLock) {
            stallLock.notifyAll();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (mode == Mode.CUT) {
                closeQuietly(client);
                continue;
            }
            open.add(client);
            Thread.ofVirtual().name("tcp-proxy-connect").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        awaitNotStalled();
        if (mode != Mode.FORWARD) {
            closeQuietly(client);
            return;
        }
        Socket upstream = new Socket();
        try {
            upstream.connect(target, 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        open.add(upstream);
        Thread.ofVirtual().name("tcp-proxy-up").start(() -> pump(client, upstream));
        Thread.ofVirtual().name("tcp-proxy-down").start(() -> pump(upstream, client));
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                awaitNotStalled();
                if (mode != Mode.FORWARD) {
                    break;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Holds a stalled connection's thread until the proxy is restored (or cut, or closed). */
    private void awaitNotStalled() {
        synchronized (stallLock) {
            while (mode == Mode.STALL && !server.isClosed()) {
                try {
                    stallLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void closeAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeAll();
        synchronized (stallLock) {
            stallLock.notifyAll();
        }
    }
}
