package io.georeg.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.TemplateCommand;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * values.schema.json and the chart's own checks refuse bad values before anything is deployed,
 * with a message that names the value and what is allowed.
 */
class ValuesSchemaTest {

    private static String failure(String valuesFile, Consumer<TemplateCommand> settings) {
        Throwable thrown =
                org.assertj.core.api.Assertions.catchThrowable(() -> RenderedChart.template(valuesFile, settings));
        assertThat(thrown).as("rendering should have been refused").isNotNull();
        return thrown.getMessage();
    }

    @Test
    void stringForReplicasIsRefusedNamingTheKeyAndType() {
        assertThat(failure("s3.yaml", t -> t.set("router.replicas", "three")))
                .contains("/router/replicas")
                .contains("got string, want integer");
    }

    @Test
    void unknownStorageBackendIsRefusedListingTheBackends() {
        assertThat(failure("s3.yaml", t -> t.set("storage.backend", "azure")))
                .contains("/storage/backend")
                .contains("'filesystem', 's3', 'gcs'");
    }

    @Test
    void misspelledKeyIsRefused() {
        assertThat(failure("s3.yaml", t -> t.set("registryRead.replica", 2)))
                .contains("/registryRead")
                .contains("additional properties 'replica' not allowed");
    }

    @Test
    void servedBlobVerificationOutsideItsModesIsRefused() {
        assertThat(failure("s3.yaml", t -> t.set("registryRead.verifyServedBlobs", "sometimes")))
                .contains("/registryRead/verifyServedBlobs")
                .contains("'always', 'once', 'never'");
    }

    @Test
    void durationThatGeoregCannotReadIsRefused() {
        assertThat(failure("s3.yaml", t -> t.set("router.timeouts.idle", "forever")))
                .contains("/router/timeouts/idle")
                .contains("'forever' does not match pattern");
    }

    @Test
    void shortNotificationSecretIsRefused() {
        assertThat(failure("s3.yaml", t -> t.set("notifications.secret", "tooshort")))
                .contains("/notifications/secret");
    }

    @Test
    void primaryUrlWithAPathIsRefused() {
        assertThat(failure("s3.yaml", t -> t.set("primary.url", "https://registry.example.com/v2/")))
                .contains("/primary/url")
                .contains("does not match pattern");
    }

    @Test
    void emptyPrimaryUrlFailsWithTheFix() {
        assertThat(failure("s3.yaml", t -> t.set("primary.url", ""))).contains("primary.url is required");
    }

    @Test
    void severalFilesystemReplicasOnAReadWriteOnceVolumeAreRefused() {
        assertThat(failure(null, t -> t.set("registryRead.replicas", 3)))
                .contains("needs storage.filesystem.persistence.accessModes [ReadWriteMany]");
    }

    @Test
    void s3WithoutABucketFailsWithTheFix() {
        assertThat(failure("s3.yaml", t -> t.set("storage.s3.bucket", "")))
                .contains("storage.s3.bucket is required when storage.backend is s3");
    }

    @Test
    void tokenAuthWithoutCertificatesFailsWithTheFix() {
        assertThat(failure(
                        "s3.yaml",
                        t -> t.set("tokenAuth.enabled", true)
                                .set("tokenAuth.realm", "https://gitlab.example.com/jwt/auth")))
                .contains("tokenAuth.rootCertBundle");
    }

    @Test
    void everyShippedValuesFileIsAccepted() {
        for (String file : new String[] {"s3.yaml", "gcs.yaml", "ingress-tls.yaml", "ha.yaml"}) {
            assertThat(RenderedChart.render(file).all()).as(file).isNotEmpty();
        }
    }
}
