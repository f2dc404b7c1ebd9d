package io.georeg.storage.gcs;

import com.google.cloud.WriteChannel;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A resumable upload to the final object name: the client sends each full chunk as it fills;
 * {@link #commit()} sends the last one and finalizes, which is when GCS makes the object
 * visible. {@link #abort()} never finalizes, so nothing appears.
 */
final class GcsPendingWrite implements ObjectStore.PendingWrite {
    private final WriteChannel writer;
    private final ObjectKey key;
    private final OutputStream stream = new ChannelOutput();
    private boolean finished;

    GcsPendingWrite(WriteChannel writer, ObjectKey key) {
        this.writer = writer;
        this.key = key;
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    public void commit() {
        if (finished) {
            throw new IllegalStateException("write of " + key + " already committed or aborted");
        }
        finished = true;
        try {
            writer.close();
        } catch (IOException | com.google.cloud.storage.StorageException e) {
            throw new StorageException("gcs commit of " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** Leaves the resumable session unfinalized: GCS never shows it and expires it. */
    @Override
    public void abort() {
        finished = true;
    }

    @Override
    public void close() {
        abort();
    }

    /** Writes to the upload channel; closing it does not commit (only commit() does). */
    private final class ChannelOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) {
                throw new IOException("write of " + key + " already committed or aborted");
            }
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            try {
                while (buffer.hasRemaining()) {
                    writer.write(buffer);
                }
            } catch (com.google.cloud.storage.StorageException e) {
                throw new IOException("gcs upload of " + key + " failed: " + e.getMessage(), e);
            }
        }
    }
}
