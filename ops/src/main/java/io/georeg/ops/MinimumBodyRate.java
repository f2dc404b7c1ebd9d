package io.georeg.ops;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Fails the reading of a request body that a client sends slower than a minimum rate, so that a
 * client trickling its body a byte at a time (a slow POST, which the idle timeout never ends since
 * every byte resets it) cannot hold a connection — and, on the router, an upload to the primary.
 * Installed by {@link ClientDeadlines#guardBodies} in front of a public listener's handlers.
 *
 * <p>The rate is the body's bytes over the time the listener spent <em>waiting for the client</em>:
 * from each {@code demand} until the client's bytes arrived. Time the handler itself takes between
 * reads (a primary slow to accept an upload, a busy machine) is not the client's and is not
 * counted, and no judgement is made before {@link #GRACE} of waiting, so a legitimate upload over
 * a slow link or a short stall is never cut. A body found too slow reads as a failure chunk (a
 * {@link BodyTooSlowException}, the client's fault, which the router does not count against the
 * primary as it would a timeout) from then on; Jetty then closes the connection, since the rest of
 * the body is never read. Jetty 12.1's own {@code MinimumDataRateHandler} is not used: it divides the
 * bytes read by all requests of the handler by the time of one, so on a busy listener it never
 * cuts anyone.
 */
final class MinimumBodyRate extends Handler.Wrapper {
    /** Waiting shorter than this proves nothing about a client's rate. */
    static final long GRACE = TimeUnit.SECONDS.toNanos(1);

    private final long bytesPerSecond;

    MinimumBodyRate(Handler handler, long bytesPerSecond) {
        super(handler);
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        return super.handle(new RatedBody(request), response, callback);
    }

    /** One request's body as its handler reads it, with the client's rate kept. */
    private final class RatedBody extends Request.Wrapper {
        private volatile long bytes;
        private volatile long waitedNanos;
        private volatile Content.Chunk failure;

        RatedBody(Request request) {
            super(request);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk refused = failure;
            if (refused != null) {
                return refused;
            }
            Content.Chunk chunk = super.read();
            if (chunk != null && chunk.hasRemaining()) {
                bytes += chunk.remaining();
            }
            return chunk;
        }

        @Override
        public void demand(Runnable onContent) {
            if (failure == null && tooSlow()) {
                failure = Content.Chunk.from(new BodyTooSlowException("request body slower than " + bytesPerSecond
                        + " bytes/s: " + bytes + " bytes in " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                        + " ms of waiting for the client"));
            }
            if (failure != null) {
                onContent.run();
                return;
            }
            long since = System.nanoTime();
            super.demand(() -> {
                waitedNanos += System.nanoTime() - since;
                onContent.run();
            });
        }

        private boolean tooSlow() {
            long waited = waitedNanos;
            return waited >= GRACE && bytes * 1_000_000_000L / waited < bytesPerSecond;
        }
    }
}
