package io.georeg.router.proxy;

import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;

/**
 * The client→proxy body as the proxy→server leg reads it, watched so that {@link StreamingProxy}
 * can tell a failed exchange that is the client's doing from one that is the upstream's. The
 * upstream's circuit counts time-outs before its answer as its failures; a client that falls
 * silent in the middle of an upload must never count there: the listener's idle timeout then fails
 * the read of the body, or the proxy→server leg, which has nothing to send while the client sends
 * nothing, times out first. Chunks pass through unchanged.
 */
final class ClientBody implements Content.Source {
    private final Content.Source source;
    /**
     * The proxy has passed on all it read and demanded more, and no bytes came since: set by a
     * demand, cleared only by a read that returns bytes (not by the demand's callback, which a
     * failure also runs: the listener's idle timeout and the proxy→server leg's, both started by
     * the client's last bytes, end at nearly the same moment).
     */
    private volatile boolean waitingForClient;

    private volatile boolean ended;
    /** The proxy failed the body itself (the exchange failed elsewhere, or a limit): later read failures are its own. */
    private volatile boolean failedByProxy;

    private volatile Throwable readFailure;

    ClientBody(Content.Source source) {
        this.source = source;
    }

    /**
     * Whether the exchange's {@code failure} is the client's: reading its body failed (it went away,
     * fell silent past the idle timeout, sent too slowly), or a time-out struck while the body was
     * unfinished and the proxy was waiting for the client's next bytes.
     */
    boolean failedByClient(Throwable failure) {
        return readFailure != null || (!ended && waitingForClient && failure instanceof TimeoutException);
    }

    @Override
    public Content.Chunk read() {
        Content.Chunk chunk = source.read();
        if (chunk != null) {
            if (Content.Chunk.isFailure(chunk)) {
                if (!failedByProxy) {
                    readFailure = chunk.getFailure();
                }
            } else if (chunk.hasRemaining() || chunk.isLast()) {
                waitingForClient = false;
                ended = chunk.isLast();
            }
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        waitingForClient = true;
        source.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
        failedByProxy = true;
        source.fail(failure);
    }

    @Override
    public long getLength() {
        return source.getLength();
    }
}
