package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StorageConfigTest {

    @Test
    void filesystemNeedsARoot() {
        assertThat(new StorageConfig.Filesystem(null).problems())
                .singleElement()
                .asString()
                .startsWith("storage.filesystem.root is required");
        assertThat(new StorageConfig.Filesystem(Path.of("/tmp/x")).problems()).isEmpty();
    }

    @Test
    void s3ProblemsNameTheKeyAndTheFix() {
        var config = new StorageConfig.S3(" ", "/leading", null, URI.create("ftp://x"), false, "id", null, 1024);

        assertThat(config.problems())
                .containsExactly(
                        "storage.s3.bucket is required: set it to the name of an existing bucket",
                        "storage.s3.region is required: set it to the bucket's region, e.g. us-east-1 (S3-compatible servers usually accept us-east-1)",
                        config.problems().get(2),
                        "storage.s3.endpoint 'ftp://x' is not an http(s) URL: use e.g. https://storage.example.com, or remove it for the default endpoint",
                        "storage.s3.accessKeyId and storage.s3.secretAccessKey go together: set both, or neither to use the default credentials chain",
                        "storage.s3.partSizeBytes is 1024: use 0 for the default (16 MiB) or a value from 5242880 (5 MiB) to 1073741824 (1 GiB)");
        assertThat(config.problems().get(2)).startsWith("storage.s3.prefix '/leading' is invalid");
        assertThatThrownBy(config::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage.s3.bucket is required");
    }

    @Test
    void validS3ConfigurationUsesTheDefaultPartSize() {
        var config = new StorageConfig.S3("b", null, "us-east-1", null, false, null, null, 0);

        assertThat(config.problems()).isEmpty();
        assertThat(config.effectivePartSize()).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void gcsProblemsNameTheKeyAndTheFix() {
        var config = new StorageConfig.Gcs(null, "a//b", null, Path.of("/nonexistent/key.json"), null, 1000);

        assertThat(config.problems()).hasSize(4);
        assertThat(config.problems().get(0))
                .isEqualTo("storage.gcs.bucket is required: set it to the name of an existing bucket");
        assertThat(config.problems().get(1)).startsWith("storage.gcs.prefix 'a//b' is invalid");
        assertThat(config.problems().get(2))
                .startsWith("storage.gcs.credentialsFile /nonexistent/key.json is not a readable file");
        assertThat(config.problems().get(3)).startsWith("storage.gcs.uploadChunkSizeBytes is 1000");
        assertThat(new StorageConfig.Gcs("b", "", "p", null, null, 0).effectiveChunkSize())
                .isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void openingAnInvalidConfigurationFailsBeforeTouchingTheBackend() {
        assertThatThrownBy(() -> BlobStores.open(new StorageConfig.Gcs("", null, null, null, null, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage.gcs.bucket is required");
    }
}
