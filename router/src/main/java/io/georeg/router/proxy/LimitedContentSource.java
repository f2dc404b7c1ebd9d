package io.georeg.router.proxy;

import java.io.IOException;
import org.eclipse.jetty.io.Content;

/**
 * The client→proxy body as the proxy→server content, failing once more than {@code maxBytes}
 * have passed, so a chunked body without {@code Content-Length} cannot exceed the configured
 * limit either. Chunks pass through unchanged: nothing is copied or buffered here.
 */
final class LimitedContentSource implements Content.Source {
    private final Content.Source source;
    private final long maxBytes;
    private long seen;

    LimitedContentSource(Content.Source source, long maxBytes) {
        this.source = source;
        this.maxBytes = maxBytes;
    }

    @Override
    public Content.Chunk read() {
        Content.Chunk chunk = source.read();
        if (chunk == null || Content.Chunk.isFailure(chunk)) {
            return chunk;
        }
        seen += chunk.remaining();
        if (seen > maxBytes) {
            chunk.release();
            BodyTooLargeException failure = new BodyTooLargeException(maxBytes);
            source.fail(failure);
            return Content.Chunk.from(failure, true);
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        source.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
        source.fail(failure);
    }

    @Override
    public long getLength() {
        return source.getLength();
    }

    /** The body went over the router's limit. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long maxBytes) {
            super("request body exceeds the router's limit of " + maxBytes + " bytes");
        }
    }
}
