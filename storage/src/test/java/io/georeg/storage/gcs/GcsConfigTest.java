package io.georeg.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.StorageConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production path from configuration to a GCS client (no test helper): a service account
 * key file is loaded and signs V4 URLs locally. Nothing here sends a request.
 */
class GcsConfigTest {
    @TempDir
    Path dir;

    @Test
    void keyFileFromConfigurationSignsBlobUrlsWithoutANetworkCall() throws Exception {
        Path keyFile = dir.resolve("key.json");
        Files.writeString(keyFile, serviceAccountJson());
        var config = new StorageConfig.Gcs("georeg-bucket", "site-b", "georeg-test", keyFile, null, 0);
        Digest digest = Digest.sha256("hello".getBytes(StandardCharsets.UTF_8));

        try (BlobStore blobs = BlobStores.open(config)) {
            URI url = blobs.presignedGet(digest, Duration.ofMinutes(10)).orElseThrow();

            assertThat(url.getPath())
                    .isEqualTo("/georeg-bucket/site-b/docker/registry/v2/blobs/sha256/"
                            + digest.hex().substring(0, 2) + "/" + digest.hex() + "/data");
            assertThat(url.getQuery())
                    .contains(
                            "X-Goog-Credential=georeg-test@georeg-test.iam.gserviceaccount.com", "X-Goog-Expires=600");
        }
    }

    private static String serviceAccountJson() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getEncoder()
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\\n-----END PRIVATE KEY-----\\n";
        return """
                {"type": "service_account", "project_id": "georeg-test", "private_key_id": "k1",
                 "private_key": "%s",
                 "client_email": "georeg-test@georeg-test.iam.gserviceaccount.com", "client_id": "1",
                 "token_uri": "https://oauth2.googleapis.com/token"}
                """.formatted(pem);
    }
}
