package io.georeg.storage.s3;

import io.georeg.storage.ObjectKey;
import io.georeg.storage.OneShotWrite;
import io.georeg.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A streamed write to S3. Bytes collect in a buffer that grows up to one part; an object that
 * fits in one part is a single PutObject at commit, a larger one becomes a multipart upload
 * whose parts are sent as the buffer fills. Nothing is visible under the key before commit
 * (S3 shows an object only when PutObject or CompleteMultipartUpload succeeds), and abort
 * discards the uploaded parts.
 */
final class S3PendingWrite extends OneShotWrite {
    private static final Logger LOG = LoggerFactory.getLogger(S3PendingWrite.class);
    private static final int INITIAL_BUFFER = 64 * 1024;
    private static final String CONTENT_TYPE = "application/octet-stream";

    private final S3Client client;
    private final String bucket;
    private final String remoteKey;
    private final int partSize;
    private final List<CompletedPart> parts = new ArrayList<>();
    private final OutputStream stream = new PartOutput();
    private byte[] buffer;
    private int count;
    private String uploadId;

    S3PendingWrite(S3Client client, String bucket, String remoteKey, ObjectKey key, int partSize) {
        super(key);
        this.client = client;
        this.bucket = bucket;
        this.remoteKey = remoteKey;
        this.partSize = partSize;
        this.buffer = new byte[Math.min(INITIAL_BUFFER, partSize)];
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    protected void publish() throws IOException {
        try {
            if (uploadId == null) {
                client.putObject(
                        b -> b.bucket(bucket)
                                .key(remoteKey)
                                .contentLength((long) count)
                                .contentType(CONTENT_TYPE),
                        bufferedBody());
            } else {
                if (count > 0) {
                    uploadPart();
                }
                client.completeMultipartUpload(
                        b -> b.bucket(bucket).key(remoteKey).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
            }
            buffer = null;
        } catch (SdkException e) {
            throw new StorageException(
                    "s3 commit of s3://" + bucket + "/" + remoteKey + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    protected void discard() {
        buffer = null;
        if (uploadId != null) {
            try {
                client.abortMultipartUpload(b -> b.bucket(bucket).key(remoteKey).uploadId(uploadId));
            } catch (SdkException e) {
                // The parts are invisible; the replicator's sweep of abandoned writes
                // (S3ObjectStore.removeAbandonedWrites) aborts the upload later.
                LOG.warn("could not abort multipart upload {} of s3://{}/{}", uploadId, bucket, remoteKey, e);
            }
        }
    }

    private RequestBody bufferedBody() {
        byte[] bytes = buffer;
        int length = count;
        // A provider instead of fromBytes: no copy of the (up to one part) buffer, and retries re-read it.
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, CONTENT_TYPE);
    }

    private void uploadPart() throws IOException {
        try {
            if (uploadId == null) {
                uploadId = client.createMultipartUpload(
                                b -> b.bucket(bucket).key(remoteKey).contentType(CONTENT_TYPE))
                        .uploadId();
            }
            int partNumber = parts.size() + 1;
            String etag = client.uploadPart(
                            b -> b.bucket(bucket)
                                    .key(remoteKey)
                                    .uploadId(uploadId)
                                    .partNumber(partNumber)
                                    .contentLength((long) count),
                            bufferedBody())
                    .eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            count = 0;
        } catch (SdkException e) {
            throw new IOException(
                    "s3 upload of part " + (parts.size() + 1) + " of s3://" + bucket + "/" + remoteKey + " failed: "
                            + e.getMessage(),
                    e);
        }
    }

    /** Fills the buffer; a full part is uploaded only when more bytes follow it. */
    private final class PartOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureWritable();
            while (len > 0) {
                if (count == partSize) {
                    uploadPart();
                }
                if (count == buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min(partSize, 2L * buffer.length));
                }
                int n = Math.min(len, buffer.length - count);
                System.arraycopy(b, off, buffer, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }
    }
}
