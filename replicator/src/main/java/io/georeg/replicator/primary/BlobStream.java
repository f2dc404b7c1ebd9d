package io.georeg.replicator.primary;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An open blob download from the primary (or the storage it redirected to). The caller streams
 * {@link #content()} into the replica, which verifies the digest, and closes this.
 *
 * @param size Content-Length of the answer, -1 when not given
 */
public record BlobStream(InputStream content, long size) implements AutoCloseable {
    @Override
    public void close() {
        try {
            content.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing blob download", e);
        }
    }
}
