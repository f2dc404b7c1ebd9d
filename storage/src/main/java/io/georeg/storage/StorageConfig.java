package io.georeg.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where blobs are stored: exactly one backend. Bound from the {@code storage} section of the
 * YAML configuration by the app module ({@code storage.filesystem.*}, {@code storage.s3.*},
 * {@code storage.gcs.*}) and opened with {@link BlobStores#open}. {@link #validate()} is called
 * at start-up; its messages name the key and the fix.
 */
public sealed interface StorageConfig permits StorageConfig.Filesystem, StorageConfig.S3, StorageConfig.Gcs {

    /** Every problem of this configuration, each naming the key and the fix; empty when valid. */
    List<String> problems();

    /** Throws {@link IllegalArgumentException} listing every problem, one per line. */
    default void validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid storage configuration:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * Local filesystem, the embedded default.
     *
     * @param root the directory that holds {@code docker/registry/v2} (created when missing);
     *     temporary upload files go to {@code <root>/.georeg-tmp}, on the same filesystem
     */
    record Filesystem(Path root) implements StorageConfig {
        @Override
        public List<String> problems() {
            return root == null
                    ? List.of(
                            "storage.filesystem.root is required: set it to the directory that holds the blobs, e.g. /var/lib/georeg")
                    : List.of();
        }
    }

    /**
     * Amazon S3 or any S3-compatible server.
     *
     * @param bucket the bucket name (must exist)
     * @param prefix key prefix inside the bucket, without leading or trailing '/'; null or empty for none
     * @param region the signing region, e.g. {@code us-east-1} (S3-compatible servers usually accept us-east-1)
     * @param endpoint endpoint override for S3-compatible servers, e.g. {@code http://127.0.0.1:9000}; null for AWS
     * @param pathStyle true to address the bucket as {@code <endpoint>/<bucket>} instead of a virtual host
     * @param accessKeyId static access key id; null to use the AWS default credentials provider chain
     *     (environment, system properties, profile files, container and instance roles)
     * @param secretAccessKey static secret key, required exactly when {@code accessKeyId} is set
     * @param partSizeBytes multipart upload part size, 0 for the default 16 MiB; at least 5 MiB (an
     *     S3 rule) and at most 1 GiB; each streamed write buffers at most one part in memory
     */
    record S3(
            String bucket,
            String prefix,
            String region,
            URI endpoint,
            boolean pathStyle,
            String accessKeyId,
            String secretAccessKey,
            long partSizeBytes)
            implements StorageConfig {
        public static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
        public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
        public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;

        /** The part size to use: {@link #partSizeBytes()} or the default. */
        public int effectivePartSize() {
            return (int) (partSizeBytes == 0 ? DEFAULT_PART_SIZE : partSizeBytes);
        }

        @Override
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (isBlank(bucket)) {
                problems.add("storage.s3.bucket is required: set it to the name of an existing bucket");
            }
            if (isBlank(region)) {
                problems.add(
                        "storage.s3.region is required: set it to the bucket's region, e.g. us-east-1 (S3-compatible servers usually accept us-east-1)");
            }
            checkPrefix("storage.s3.prefix", prefix, problems);
            checkEndpoint("storage.s3.endpoint", endpoint, problems);
            if (isBlank(accessKeyId) != isBlank(secretAccessKey)) {
                problems.add(
                        "storage.s3.accessKeyId and storage.s3.secretAccessKey go together: set both, or neither to use the default credentials chain");
            }
            if (partSizeBytes != 0 && (partSizeBytes < MIN_PART_SIZE || partSizeBytes > MAX_PART_SIZE)) {
                problems.add("storage.s3.partSizeBytes is " + partSizeBytes
                        + ": use 0 for the default (16 MiB) or a value from " + MIN_PART_SIZE + " (5 MiB) to "
                        + MAX_PART_SIZE + " (1 GiB)");
            }
            return problems;
        }
    }

    /**
     * Google Cloud Storage.
     *
     * @param bucket the bucket name (must exist)
     * @param prefix object name prefix inside the bucket, without leading or trailing '/'; null or empty for none
     * @param projectId the Google Cloud project; null to take it from the credentials or environment
     * @param credentialsFile a service account JSON key file; null for application default
     *     credentials. Pre-signed URLs need a credential that can sign (a service account key, or
     *     a service account that may call signBlob); otherwise blob GETs are not redirected
     * @param endpoint endpoint override, e.g. for an emulator; null for Google Cloud
     * @param uploadChunkSizeBytes resumable upload chunk size, 0 for the default 16 MiB; a multiple
     *     of 256 KiB; each streamed write buffers one chunk in memory
     */
    record Gcs(
            String bucket,
            String prefix,
            String projectId,
            Path credentialsFile,
            URI endpoint,
            int uploadChunkSizeBytes)
            implements StorageConfig {
        public static final int DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
        public static final int CHUNK_GRANULARITY = 256 * 1024;

        /** The chunk size to use: {@link #uploadChunkSizeBytes()} or the default. */
        public int effectiveChunkSize() {
            return uploadChunkSizeBytes == 0 ? DEFAULT_CHUNK_SIZE : uploadChunkSizeBytes;
        }

        @Override
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (isBlank(bucket)) {
                problems.add("storage.gcs.bucket is required: set it to the name of an existing bucket");
            }
            checkPrefix("storage.gcs.prefix", prefix, problems);
            checkEndpoint("storage.gcs.endpoint", endpoint, problems);
            if (credentialsFile != null && !java.nio.file.Files.isReadable(credentialsFile)) {
                problems.add(
                        "storage.gcs.credentialsFile " + credentialsFile
                                + " is not a readable file: point it at a service account JSON key, or remove it to use application default credentials");
            }
            if (uploadChunkSizeBytes < 0 || uploadChunkSizeBytes % CHUNK_GRANULARITY != 0) {
                problems.add("storage.gcs.uploadChunkSizeBytes is " + uploadChunkSizeBytes
                        + ": use 0 for the default (16 MiB) or a positive multiple of 262144 (256 KiB)");
            }
            return problems;
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static void checkPrefix(String key, String prefix, List<String> problems) {
        try {
            KeyPrefix.of(prefix);
        } catch (IllegalArgumentException e) {
            problems.add(
                    key + " '" + prefix + "' is invalid (" + e.getMessage()
                            + "): use '/'-separated components of letters, digits, '.', '_' and '-', without leading or trailing '/'");
        }
    }

    private static void checkEndpoint(String key, URI endpoint, List<String> problems) {
        if (endpoint != null
                && (endpoint.getScheme() == null
                        || endpoint.getHost() == null
                        || !(endpoint.getScheme().equals("http")
                                || endpoint.getScheme().equals("https")))) {
            problems.add(
                    key + " '" + endpoint
                            + "' is not an http(s) URL: use e.g. https://storage.example.com, or remove it for the default endpoint");
        }
    }
}
