package io.georeg.storage.s3;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.KilledCopySource;
import io.georeg.storage.StorageConfig;
import java.net.URI;

/**
 * A blob's copy into S3 storage in a process of its own, so that a test can {@code kill -9} it
 * mid-write: {@link BlobStore#put} of a blob whose source sends {@code bytes} bytes and then
 * stalls, as a download from a primary can. Prints {@link KilledCopySource#STALLED} once the
 * source has stalled (every part before it uploaded, the multipart upload open) and runs until
 * killed. Arguments: endpoint bucket prefix accessKeyId secretAccessKey bytes.
 */
public final class KilledCopyMain {
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
        blobs.put(Digest.parse("sha256:" + "0".repeat(64)), -1, new KilledCopySource(Long.parseLong(args[5]), true));
    }
}
