package io.georeg.router.proxy;

import java.io.ByteArrayOutputStream;
import org.eclipse.jetty.io.Content;

/**
 * A body that streams on unchanged while a copy of its first {@code maxBytes} is kept, for
 * looking at a small request body (a manifest) after it was sent. Nothing waits for the copy:
 * chunks pass as they come.
 */
public final class CopyingContentSource extends PassThroughContentSource {
    private final int maxBytes;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
    private boolean tooLarge;

    public CopyingContentSource(Content.Source source, int maxBytes) {
        super(source);
        this.maxBytes = maxBytes;
    }

    @Override
    protected Content.Chunk onData(Content.Chunk chunk) {
        synchronized (this) {
            int n = chunk.remaining();
            if (!tooLarge && copy.size() + n <= maxBytes) {
                byte[] bytes = new byte[n];
                chunk.getByteBuffer().slice().get(bytes);
                copy.write(bytes, 0, n);
            } else {
                tooLarge = true;
            }
        }
        return chunk;
    }

    /** The whole body as sent, or null when it was larger than the copy keeps. */
    public synchronized byte[] copy() {
        return tooLarge ? null : copy.toByteArray();
    }
}
