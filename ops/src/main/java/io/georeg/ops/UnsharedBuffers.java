package io.georeg.ops;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The buffers of a listener that untrusted clients reach: every connection reads its clients' input
 * into buffers of its own, never one another connection used, so that no write into a buffer after
 * its release can reach another client's request or answer.
 *
 * <p>Why: Jetty 12.1 (checked up to 12.1.14) lets two threads run one HTTP/1.1 connection's
 * {@code HttpConnection.onFillable} after a request it refuses (a 431 for oversized headers, a
 * 400): the thread that parsed the bad message hands the error answer to another thread and then
 * releases its request buffer to the pool; the error answer completes, Jetty resumes the connection
 * on a third thread to read the rest of the client's input until EOF, and that thread may still fill
 * the buffer the first one has just released. With a pool, the next connection that acquires that
 * buffer starts with the refused client's bytes: the router once parsed {@code pppp…pppGET
 * /-/status} (a padding header of one connection in front of another connection's request line) and
 * proxied it to the primary. Here a released input buffer is never handed out again, so such a late
 * write lands in garbage; {@code RouterBufferBleedIT} is the reproduction. The window is widest
 * when the error answer starts at once, on a virtual thread of the server's pool, and the parsing
 * thread is the selector's, running a non-blocking handler tree: the router's setup, and a plain
 * Jetty 12.1.14 server with only these two (its default pool, error handler and executor) showed
 * the same bleed. Two threads may also both release the buffer: Jetty then logs {@code
 * QueuedThreadPool Job failed} with {@code IllegalStateException: already released}, harmless here.
 *
 * <p>Input and output are told apart by the kind of buffer asked for: the connections ask for heap
 * buffers for their input ({@code HttpConnection}'s request buffer, whose content chunks are its
 * slices) and for direct ones for their output, and only direct buffers come from a pool. Output
 * buffers may be pooled because the race above is about the request buffer only: an output buffer
 * ({@code HttpConnection.SendCallback}'s response header and chunk buffers, an error page's body) is
 * acquired, written by the generator and released by the connection's one {@code SendCallback} (an
 * {@code IteratingCallback}, which serializes its steps): in {@code process}, before the buffer is
 * written, to take a larger one, and in {@code onCompleteSuccess} / {@code onCompleteFailure}, which
 * Jetty 12.1's {@code IteratingCallback} calls only once no write of it is pending (an abort runs
 * {@code onAborted}, which releases nothing, and a cancelled send waits out a write in progress in
 * {@code EndPoint.cancelWrite}); no fill writes into an output buffer. Not pooling them cost the
 * router a third of the 8 KiB buffers it allocated per proxied request (docs/benchmarks.md, the
 * Router section's measurement note of session 23: about 20 KB more allocation per proxied manifest
 * GET than with the shared pool, and several times the garbage collector's CPU per request).
 * Direct output buffers are also Jetty's default: the socket writes them without a copy. No listener
 * here terminates TLS (the ingress does): an {@code SslConnection} would ask for direct buffers for
 * its network input, which this pool would share; look at that race again before adding one.
 */
public final class UnsharedBuffers {
    private UnsharedBuffers() {}

    /**
     * The pool for a connector whose connections use {@code http}, which is set to ask for heap
     * buffers for input (never pooled) and direct ones for output (pooled).
     */
    public static ByteBufferPool forConnector(HttpConfiguration http) {
        http.setUseInputDirectByteBuffers(false);
        http.setUseOutputDirectByteBuffers(true);
        return new InputUnshared(new ArrayByteBufferPool());
    }

    /** Heap buffers never pooled, direct ones from {@code output}. */
    private static final class InputUnshared extends ByteBufferPool.Wrapper {
        InputUnshared(ByteBufferPool output) {
            super(output);
        }

        @Override
        public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
            return direct ? super.acquire(size, true) : NON_POOLING.acquire(size, false);
        }
    }
}
