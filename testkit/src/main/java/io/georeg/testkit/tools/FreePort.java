package io.georeg.testkit.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A currently free loopback port, for servers that cannot bind port 0 (distribution's
 * {@code http.addr}) or whose port must be known before they start. Another process may take it
 * between the pick and the bind; callers that see "address in use" pick again.
 */
public final class FreePort {
    private FreePort() {}

    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
