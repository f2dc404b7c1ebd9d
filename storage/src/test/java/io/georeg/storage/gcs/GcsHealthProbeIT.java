package io.georeg.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health probe of GCS storage over HTTP, against {@link GcsJsonApiDouble}, which answers as
 * GCS does for a bucket that does not exist (the in-memory helper of GcsStorageTest knows no
 * buckets).
 */
class GcsHealthProbeIT {
    private static final String BUCKET = "georeg-test";

    private GcsJsonApiDouble server;

    @BeforeEach
    void start() throws Exception {
        server = GcsJsonApiDouble.start(BUCKET);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theBucketThatExistsPassesTheHealthProbe() {
        try (GcsObjectStore store = open(BUCKET)) {
            store.probe();
        }
    }

    /**
     * A bucket that does not exist (deleted, misspelt) fails the probe, so the secondary is
     * degraded and not ready. The client reads the 404 of an object's metadata as "no such
     * object": the stat the probe used to be passed, and a replica without its bucket said it was
     * ready.
     */
    @Test
    void aMissingBucketFailsTheHealthProbe() {
        try (GcsObjectStore store = open("georeg-missing")) {
            assertThat(store.size(ObjectKey.of("docker/registry/v2/georeg-probe")))
                    .as("what a stat says")
                    .isEmpty();
            assertThatThrownBy(store::probe)
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("gs://georeg-missing/site-b/")
                    .hasMessageContaining("bucket does not exist");
        }
    }

    private GcsObjectStore open(String bucket) {
        Storage client = StorageOptions.newBuilder()
                .setHost(server.endpoint().toString())
                .setProjectId("georeg-test")
                .setCredentials(NoCredentials.getInstance())
                .build()
                .getService();
        return new GcsObjectStore(client, bucket, KeyPrefix.of("site-b"), StorageConfig.Gcs.CHUNK_GRANULARITY);
    }
}
