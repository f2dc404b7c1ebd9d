package io.georeg.storage.gcs;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.OneShotWrite;
import io.georeg.storage.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streamed write to GCS: a resumable upload to a temporary object (the client sends each full
 * chunk as it fills), and on commit the upload is finalized, copied server-side to the final
 * name (a rewrite, which GCS usually completes in one call without copying data when source
 * and target share bucket, location and storage class) and the temporary object deleted. GCS creates the
 * final object in one step, so a reader sees the old object or the whole new one.
 *
 * <p>{@link #abort()} never finalizes the upload, so no object appears; GCS discards the
 * abandoned session after a week. A process that dies between finalize and delete leaves a
 * temporary object below {@code docker/registry/v2/georeg-uploads/}, never at a final name; the
 * replicator's sweep of abandoned writes ({@link GcsObjectStore#removeAbandonedWrites}) removes it.
 */
final class GcsPendingWrite extends OneShotWrite {
    private static final Logger LOG = LoggerFactory.getLogger(GcsPendingWrite.class);

    private final Storage storage;
    private final WriteChannel writer;
    private final BlobId temp;
    private final BlobId target;
    private final OutputStream stream = new ChannelOutput();

    GcsPendingWrite(Storage storage, WriteChannel writer, BlobId temp, BlobId target, ObjectKey key) {
        super(key);
        this.storage = storage;
        this.writer = writer;
        this.temp = temp;
        this.target = target;
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    protected void publish() throws IOException {
        try {
            writer.close();
            storage.copy(Storage.CopyRequest.of(temp, target)).getResult();
        } catch (com.google.cloud.storage.StorageException e) {
            throw new StorageException("gcs commit of " + key() + " failed: " + e.getMessage(), e);
        }
        discard();
    }

    /** Removes the temporary object where one exists (absent is the usual case after abort). */
    @Override
    protected void discard() {
        try {
            storage.delete(temp);
        } catch (com.google.cloud.storage.StorageException e) {
            // Only a temporary name is left behind; the sweep of abandoned writes removes it.
            LOG.warn("could not delete temporary object {} of write to {}", temp, key(), e);
        }
    }

    /** Writes to the upload channel; closing it does not commit (only commit() does). */
    private final class ChannelOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureWritable();
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            try {
                while (buffer.hasRemaining()) {
                    writer.write(buffer);
                }
            } catch (com.google.cloud.storage.StorageException e) {
                throw new IOException("gcs upload of " + key() + " failed: " + e.getMessage(), e);
            }
        }
    }
}
