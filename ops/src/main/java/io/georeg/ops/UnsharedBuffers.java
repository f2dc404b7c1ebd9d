package io.georeg.ops;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The buffers of a listener that untrusted clients reach: every connection gets buffers of its
 * own, never one another connection used, so that no write into a buffer after its release can
 * reach another client's request or answer.
 *
 * <p>Why: Jetty 12.1 (checked up to 12.1.14) lets two threads run one HTTP/1.1 connection's
 * {@code HttpConnection.onFillable} after a request it refuses (a 431 for oversized headers, a
 * 400): the thread that parsed the bad message hands the error answer to another thread and then
 * releases its request buffer to the pool; the error answer completes, Jetty resumes the connection
 * on a third thread to read the rest of the client's input until EOF, and that thread may still fill
 * the buffer the first one has just released. With a pool, the next connection that acquires that
 * buffer starts with the refused client's bytes: the router once parsed {@code pppp…pppGET
 * /-/status} (a padding header of one connection in front of another connection's request line) and
 * proxied it to the primary. Here a released buffer is never handed out again, so such a late
 * write lands in garbage; {@code RouterBufferBleedIT} is the reproduction. The window is widest
 * when the error answer starts at once, on a virtual thread of the server's pool, and the parsing
 * thread is the selector's, running a non-blocking handler tree: the router's setup, and a plain
 * Jetty 12.1.14 server with only these two (its default pool, error handler and executor) showed
 * the same bleed. Two threads may also both release the buffer: Jetty then logs {@code
 * QueuedThreadPool Job failed} with {@code IllegalStateException: already released}, harmless here.
 *
 * <p>The buffers are heap buffers: allocating a direct buffer per request costs a system-wide
 * reservation and a cleaner, a heap buffer a bump of the thread's allocation pointer
 * (docs/benchmarks.md, the Router section's note of session 22: no cost the bench could resolve).
 */
public final class UnsharedBuffers {
    private UnsharedBuffers() {}

    /** The pool for a connector whose connections use {@code http}, which is set to ask for heap buffers. */
    public static ByteBufferPool forConnector(HttpConfiguration http) {
        http.setUseInputDirectByteBuffers(false);
        http.setUseOutputDirectByteBuffers(false);
        return new ByteBufferPool.NonPooling();
    }
}
