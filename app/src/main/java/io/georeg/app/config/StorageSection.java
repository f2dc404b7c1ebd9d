package io.georeg.app.config;

import io.georeg.storage.StorageConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code storage} section: at most one of {@code filesystem}, {@code s3}, {@code gcs} (the
 * storage module's records). None set means the embedded default, the filesystem under
 * {@value #DEFAULT_ROOT}.
 */
public record StorageSection(StorageConfig.Filesystem filesystem, StorageConfig.S3 s3, StorageConfig.Gcs gcs) {
    public static final String DEFAULT_ROOT = "./georeg-data";

    /** The backend to open. */
    public StorageConfig selected() {
        if (s3 != null) {
            return s3;
        }
        if (gcs != null) {
            return gcs;
        }
        return filesystem != null ? filesystem : new StorageConfig.Filesystem(Path.of(DEFAULT_ROOT));
    }

    List<String> problems() {
        List<String> set = new ArrayList<>();
        if (filesystem != null) {
            set.add("storage.filesystem");
        }
        if (s3 != null) {
            set.add("storage.s3");
        }
        if (gcs != null) {
            set.add("storage.gcs");
        }
        if (set.size() > 1) {
            return List.of("only one storage backend may be configured, found " + String.join(", ", set)
                    + ": remove all but one section");
        }
        return selected().problems();
    }
}
