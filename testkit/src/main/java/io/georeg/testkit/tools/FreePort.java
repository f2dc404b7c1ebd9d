package io.georeg.testkit.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Starts a server that must be told its port before it binds it: distribution's {@code http.addr}
 * cannot be port 0, and a router's public URL names the router's own port. {@link #start} picks a
 * loopback port that is free at that moment and hands it to the start; another process (a second
 * suite on the same machine) may take it before the server binds it, so when the start fails
 * because its port was taken, the whole start is tried again on another port. Everything that can
 * bind port 0 does, and publishes the port it got; a port where nothing listens is a
 * {@link RefusingPort}.
 */
public final class FreePort {
    static final int ATTEMPTS = 5;

    private FreePort() {}

    /** A start on a given port; it fails with a {@link BindException} among its causes when the port is taken. */
    @FunctionalInterface
    public interface Start<T> {
        T on(int port) throws Exception;
    }

    /**
     * Runs {@code start} on a free port, again on another one (up to {@value #ATTEMPTS} times) when
     * it failed because the port was taken. A start that fails must leave nothing running.
     */
    public static <T> T start(Start<T> start) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return start.on(free());
            } catch (Exception e) {
                if (attempt == ATTEMPTS || !taken(e)) {
                    throw e;
                }
            }
        }
    }

    /** Whether a start failed because its port was taken: a {@link BindException} among the causes (Jetty's "Failed to bind"). */
    public static boolean taken(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A port free at this moment and not bound by anyone after it: another process may bind it
     * before the caller does. Kept for code written against it; bind port 0, or use {@link #start}.
     *
     * @deprecated races with every other process on the machine; {@link #start} does not
     */
    @Deprecated
    public static int pick() {
        return free();
    }

    private static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
