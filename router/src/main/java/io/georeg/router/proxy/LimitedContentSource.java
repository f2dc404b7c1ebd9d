package io.georeg.router.proxy;

import java.io.IOException;
import org.eclipse.jetty.io.Content;

/**
 * The client→proxy body as the proxy→server content, failing once more than {@code maxBytes}
 * have passed, so a chunked body without {@code Content-Length} cannot exceed the configured
 * limit either. Chunks pass through unchanged: nothing is copied or buffered here.
 */
final class LimitedContentSource extends PassThroughContentSource {
    private final long maxBytes;
    private long seen;

    LimitedContentSource(Content.Source source, long maxBytes) {
        super(source);
        this.maxBytes = maxBytes;
    }

    @Override
    protected Content.Chunk onData(Content.Chunk chunk) {
        seen += chunk.remaining();
        if (seen > maxBytes) {
            chunk.release();
            BodyTooLargeException failure = new BodyTooLargeException(maxBytes);
            fail(failure);
            return Content.Chunk.from(failure, true);
        }
        return chunk;
    }

    /** The body went over the router's limit. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long maxBytes) {
            super("request body exceeds the router's limit of " + maxBytes + " bytes");
        }
    }
}
