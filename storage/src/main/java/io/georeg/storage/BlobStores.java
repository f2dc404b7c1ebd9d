package io.georeg.storage;

import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.storage.gcs.GcsObjectStore;
import io.georeg.storage.s3.S3ObjectStore;

/**
 * Opens the configured backend as a {@link BlobStore}. The one place that maps a
 * {@link StorageConfig} to a backend; called by the app module's wiring and by tests.
 */
public final class BlobStores {
    private BlobStores() {}

    /** Validates {@code config} and opens its backend; the caller closes the store. */
    public static BlobStore open(StorageConfig config) {
        return new DefaultBlobStore(openObjects(config));
    }

    /** Validates {@code config} and opens its backend as a plain {@link ObjectStore}. */
    public static ObjectStore openObjects(StorageConfig config) {
        config.validate();
        return switch (config) {
            case StorageConfig.Filesystem fs -> FilesystemObjectStore.open(fs.root());
            case StorageConfig.S3 s3 -> S3ObjectStore.open(s3);
            case StorageConfig.Gcs gcs -> GcsObjectStore.open(gcs);
        };
    }
}
