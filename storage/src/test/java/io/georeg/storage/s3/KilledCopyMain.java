package io.georeg.storage.s3;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.StorageConfig;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * A blob's copy into S3 storage in a process of its own, so that a test can {@code kill -9} it
 * mid-write: {@link BlobStore#put} of a blob whose source sends {@code bytes} bytes and then
 * stalls, as a download from a primary can. Prints {@link #STALLED} once the source has stalled
 * (every part before it uploaded, the multipart upload open) and runs until killed. Arguments:
 * endpoint bucket prefix accessKeyId secretAccessKey bytes.
 */
public final class KilledCopyMain {
    static final String STALLED = "source stalled";

    private KilledCopyMain() {}

    public static void main(String[] args) throws Exception {
        StorageConfig.S3 config = new StorageConfig.S3(
                args[1],
                args[2],
                "us-east-1",
                URI.create(args[0]),
                true,
                args[3],
                args[4],
                StorageConfig.S3.MIN_PART_SIZE);
        BlobStore blobs = BlobStores.open(config);
        blobs.put(Digest.parse("sha256:" + "0".repeat(64)), -1, new StallingSource(Long.parseLong(args[5])));
    }

    /** {@code bytes} bytes, then a read that never returns. */
    private static final class StallingSource extends InputStream {
        private final CountDownLatch never = new CountDownLatch(1);
        private long left;

        StallingSource(long bytes) {
            this.left = bytes;
        }

        @Override
        public int read() throws java.io.IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                System.out.println(STALLED);
                System.out.flush();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) (left - i);
            }
            left -= n;
            return n;
        }
    }
}
