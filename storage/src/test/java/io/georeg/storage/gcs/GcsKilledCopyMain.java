package io.georeg.storage.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.KilledCopySource;
import java.util.concurrent.CountDownLatch;

/**
 * A blob's copy into GCS storage in a process of its own, so that a test can {@code kill -9} it:
 * {@link BlobStore#put} through {@link GcsObjectStore} of a {@link KilledCopySource} of
 * {@code bytes} bytes, against the GCS JSON API at {@code endpoint} with a fixed project id and
 * no credentials (so the client never looks for Google's metadata server). With {@code stall}
 * the source stalls after its bytes; without, the put runs on to its commit, where the test's
 * server holds the request it chose. Runs until killed. Arguments: endpoint bucket prefix
 * chunkSize bytes stall.
 */
public final class GcsKilledCopyMain {
    private GcsKilledCopyMain() {}

    public static void main(String[] args) throws Exception {
        var storage = StorageOptions.newBuilder()
                .setHost(args[0])
                .setProjectId("georeg-test")
                .setCredentials(NoCredentials.getInstance())
                .build()
                .getService();
        long bytes = Long.parseLong(args[4]);
        boolean stall = Boolean.parseBoolean(args[5]);
        BlobStore blobs = new DefaultBlobStore(
                new GcsObjectStore(storage, args[1], KeyPrefix.of(args[2]), Integer.parseInt(args[3])));
        Digest digest = stall ? Digest.parse("sha256:" + "0".repeat(64)) : KilledCopySource.digestOf(bytes);
        blobs.put(digest, bytes, new KilledCopySource(bytes, stall));
        new CountDownLatch(1).await(); // a put that returned was not held where the test wanted: it fails on that
    }
}
