package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** S3 and GCS storage: the config each renders, where their secrets come from, and no PVC. */
class StorageVariantsTest {

    @Test
    void s3RendersTheBucketAndStaticKeysAsSecretFiles() {
        RenderedChart chart = RenderedChart.render("s3.yaml");
        ObjectNode read = chart.config("registry-read");
        JsonNode s3 = read.path("storage").path("s3");

        assertThat(read.path("storage").has("filesystem")).isFalse();
        assertThat(s3.path("bucket").asText()).isEqualTo("georeg-replica");
        assertThat(s3.path("prefix").asText()).isEqualTo("site-b");
        assertThat(s3.path("region").asText()).isEqualTo("eu-west-1");
        assertThat(s3.path("endpoint").asText()).isEqualTo("https://s3.eu-west-1.example.com");
        assertThat(s3.path("pathStyle").asBoolean()).isTrue();
        assertThat(s3.path("accessKeyIdFile").asText()).isEqualTo("/etc/georeg/secrets/s3-access-key-id");
        assertThat(s3.path("secretAccessKeyFile").asText()).isEqualTo("/etc/georeg/secrets/s3-secret-access-key");
        assertThat(read.path("replica").path("redirectBlobs").asBoolean()).isTrue();
        assertThat(chart.config("replicator").path("storage")).isEqualTo(read.path("storage"));

        JsonNode secret = chart.get("Secret", RELEASE + "-georeg-secrets");
        assertThat(decode(secret, "s3-secret-access-key")).isEqualTo("s3-secret-key");
        assertThat(decode(secret, "primary-password")).isEqualTo("replicator-password");
        assertThat(RenderedChart.secretFiles(chart.deployment("registry-read")))
                .containsEntry("s3-access-key-id", RELEASE + "-georeg-secrets:s3-access-key-id")
                .containsEntry("database-password", RELEASE + "-georeg-secrets:database-password");
        assertThat(RenderedChart.secretFiles(chart.deployment("router"))).doesNotContainKey("s3-access-key-id");
        assertThat(chart.ofKind("PersistentVolumeClaim")).isEmpty();
        assertThat(chart.deployment("registry-read")
                        .path("spec")
                        .path("replicas")
                        .asInt())
                .isEqualTo(3);
    }

    @Test
    void replicatorLogsInToThePrimaryWithAPasswordFile() {
        RenderedChart chart = RenderedChart.render("s3.yaml");
        JsonNode primary = chart.config("replicator").path("replicator").path("primary");

        assertThat(primary.path("url").asText()).isEqualTo("https://registry.gitlab.example.com");
        assertThat(primary.path("username").asText()).isEqualTo("georeg-replicator");
        assertThat(primary.path("passwordFile").asText()).isEqualTo("/etc/georeg/secrets/primary-password");
        assertThat(chart.config("router").path("router").path("authUrl").asText())
                .isEqualTo("https://gitlab.example.com/jwt/auth");
    }

    @Test
    void s3WithoutStaticKeysUsesTheDefaultCredentialsChain() {
        RenderedChart chart = RenderedChart.render(
                "s3.yaml",
                t -> t.set("storage.s3.accessKeyId", "")
                        .set("storage.s3.secretAccessKey", "")
                        .set(
                                "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn",
                                "arn:aws:iam::123456789012:role/georeg"));

        assertThat(chart.config("registry-read").path("storage").path("s3").has("accessKeyIdFile"))
                .isFalse();
        assertThat(chart.get("ServiceAccount", RELEASE + "-georeg")
                        .path("metadata")
                        .path("annotations")
                        .path("eks.amazonaws.com/role-arn")
                        .asText())
                .isEqualTo("arn:aws:iam::123456789012:role/georeg");
    }

    @Test
    void gcsWithWorkloadIdentityNeedsNoKeyFileAndUsesExistingSecrets() {
        RenderedChart chart = RenderedChart.render("gcs.yaml");
        JsonNode gcs = chart.config("registry-read").path("storage").path("gcs");

        assertThat(gcs.path("bucket").asText()).isEqualTo("georeg-replica");
        assertThat(gcs.path("projectId").asText()).isEqualTo("my-project");
        assertThat(gcs.has("credentialsFile")).isFalse();
        assertThat(chart.get("ServiceAccount", RELEASE + "-georeg")
                        .path("metadata")
                        .path("annotations")
                        .path("iam.gke.io/gcp-service-account")
                        .asText())
                .isEqualTo("georeg@my-project.iam.gserviceaccount.com");
        assertThat(RenderedChart.secretFiles(chart.deployment("registry-read")))
                .containsEntry("database-password", "georeg-db:pg-password")
                .containsEntry("token-rootcertbundle.pem", "gitlab-registry-cert:rootcertbundle.pem");
        assertThat(RenderedChart.secretFiles(chart.deployment("replicator")))
                .containsEntry("notification-secret", "georeg-notify:secret");
        assertThat(chart.ofKind("Secret"))
                .as("every secret comes from an existing Secret")
                .isEmpty();
        assertThat(chart.ofKind("PersistentVolumeClaim")).isEmpty();
    }

    @Test
    void gcsKeyFileIsMountedWhenGiven() {
        RenderedChart chart = RenderedChart.render(
                "gcs.yaml", t -> t.set("storage.gcs.credentialsJson", "{\"type\":\"service_account\"}"));

        assertThat(chart.config("replicator")
                        .path("storage")
                        .path("gcs")
                        .path("credentialsFile")
                        .asText())
                .isEqualTo("/etc/georeg/secrets/gcs-credentials.json");
        assertThat(decode(chart.get("Secret", RELEASE + "-georeg-secrets"), "gcs-credentials.json"))
                .isEqualTo("{\"type\":\"service_account\"}");
    }

    @Test
    void tokenAuthPointsRegistryReadAtTheMountedCertificateBundle() {
        RenderedChart chart = RenderedChart.render("gcs.yaml");
        JsonNode token = chart.config("registry-read").path("auth").path("token");

        assertThat(token.path("realm").asText()).isEqualTo("https://gitlab.example.com/jwt/auth");
        assertThat(token.path("service").asText()).isEqualTo("container_registry");
        assertThat(token.path("issuer").asText()).isEqualTo("gitlab-issuer");
        assertThat(token.path("rootCertBundle").asText()).isEqualTo("/etc/georeg/secrets/token-rootcertbundle.pem");
    }

    private static String decode(JsonNode secret, String key) {
        return new String(
                Base64.getDecoder().decode(secret.path("data").path(key).asText()),
                java.nio.charset.StandardCharsets.UTF_8);
    }
}
