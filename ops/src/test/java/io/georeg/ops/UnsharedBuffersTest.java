package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.Test;

/**
 * What Jetty's HTTP/1.1 connection does after a refused request, replayed on a pool: one thread
 * releases the request buffer while another, resumed to read the client's remaining input, still
 * holds it and fills it ({@link UnsharedBuffers}); then a new connection acquires a buffer of that
 * size. The router's reproduction over sockets is {@code RouterBufferBleedIT}.
 */
class UnsharedBuffersTest {
    private static final int REQUEST_BUFFER = 8192; // Jetty's default input buffer size

    @Test
    void aBufferFilledAfterItsReleaseReachesTheNextConnectionOfJettysDefaultPool() {
        // Why UnsharedBuffers exists: the pool a Jetty connector has by default hands it on.
        String next = nextConnectionStartsWith(new ArrayByteBufferPool(), false);

        assertThat(next).startsWith("pppp");
    }

    @Test
    void aBufferFilledAfterItsReleaseNeverReachesTheNextConnection() {
        ByteBufferPool pool = UnsharedBuffers.forConnector(new HttpConfiguration());

        assertThat(nextConnectionStartsWith(pool, false)).isEmpty();
    }

    @Test
    void theConnectionsAskForHeapBuffersForInputAndDirectOnesForOutput() {
        HttpConfiguration http = new HttpConfiguration();

        UnsharedBuffers.forConnector(http);

        // The pool tells input from output by this: input must be heap, never pooled.
        assertThat(http.isUseInputDirectByteBuffers()).isFalse();
        assertThat(http.isUseOutputDirectByteBuffers()).isTrue();
    }

    @Test
    void outputBuffersAreReusedInputBuffersAreNot() {
        ByteBufferPool pool = UnsharedBuffers.forConnector(new HttpConfiguration());

        assertThat(reacquired(pool, true)).isTrue();
        assertThat(reacquired(pool, false)).isFalse();
    }

    /** Whether a buffer released is the one the next acquisition of that kind gets. */
    private static boolean reacquired(ByteBufferPool pool, boolean direct) {
        RetainableByteBuffer first = pool.acquire(REQUEST_BUFFER, direct);
        ByteBuffer released = first.getByteBuffer();
        first.release();
        RetainableByteBuffer next = pool.acquire(REQUEST_BUFFER, direct);
        try {
            return next.getByteBuffer() == released;
        } finally {
            next.release();
        }
    }

    /** The bytes a new connection's request buffer holds once the refused one filled its own late. */
    private static String nextConnectionStartsWith(ByteBufferPool pool, boolean direct) {
        RetainableByteBuffer refused = pool.acquire(REQUEST_BUFFER, direct);
        ByteBuffer stillFilled = refused.getByteBuffer();
        refused.release();
        BufferUtil.append(stillFilled, ByteBuffer.wrap("pppppppp".getBytes(StandardCharsets.ISO_8859_1)));

        RetainableByteBuffer next = pool.acquire(REQUEST_BUFFER, direct);
        try {
            return BufferUtil.toString(next.getByteBuffer(), StandardCharsets.ISO_8859_1);
        } finally {
            next.release();
        }
    }
}
