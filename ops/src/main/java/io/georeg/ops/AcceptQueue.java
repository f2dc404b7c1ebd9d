package io.georeg.ops;

import org.eclipse.jetty.server.ServerConnector;

/**
 * How many connections the kernel holds for a listener that clients reach before Jetty accepts
 * them. Jetty's default leaves it to the JDK's 50: a burst of new connections larger than that —
 * a node pool that starts pulling at once, a rollout of pods reconnecting, or clients that send
 * oversized headers and close without reading the 431 — overflows the queue, the kernel drops the
 * SYNs, and every client caught in it waits for its TCP retransmission, 1 s and then 3 s, for a
 * request the router answers in a millisecond (seen with {@code RouterBufferBleedIT}'s clients:
 * {@code ListenOverflows} rose by 36 in 10 s and small requests took about 3 s). The kernel caps
 * the value at {@code net.core.somaxconn} (4096 on current Linux), so on an older kernel the cap
 * is that setting's.
 */
public final class AcceptQueue {
    /** Connections waiting to be accepted, per listener. */
    public static final int SIZE = 1024;

    private AcceptQueue() {}

    public static void applyTo(ServerConnector connector) {
        connector.setAcceptQueueSize(SIZE);
    }
}
