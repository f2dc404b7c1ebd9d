package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.TemplateCommand;
import java.util.Base64;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The outage shield under Helm (issue 17): with {@code tokenAuth.enabled} the routers get the
 * primary's {@code auth.token} settings and its certificate bundle, so that they export the
 * shield's metrics and {@code GeoregOutageShieldUnarmed} can fire; with
 * {@code tokenAuth.outage.enabled} the routers and registry-read get {@code auth.outage} with the
 * site key from a Secret.
 */
class OutageShieldValuesTest {
    private static final String KEY =
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

    private static Consumer<TemplateCommand> outage(Consumer<TemplateCommand> more) {
        return t -> {
            t.set("tokenAuth.outage.enabled", true)
                    .set("tokenAuth.outage.issuer", "georeg-site-b")
                    .set("tokenAuth.outage.signingKey", KEY)
                    .set("tokenAuth.outage.grantWindow", "12h")
                    .set("tokenAuth.outage.tokenLifetime", "3m");
            more.accept(t);
        };
    }

    @Test
    void withTokenAuthTheRoutersCheckThePrimarysTokensSoTheShieldsMetricsAndAlertExist() {
        RenderedChart chart = RenderedChart.render("gcs.yaml", t -> t.set("metrics.prometheusRule.enabled", true));

        JsonNode token = chart.config("router").path("auth").path("token");
        assertThat(token.path("realm").asText()).isEqualTo("https://gitlab.example.com/jwt/auth");
        assertThat(token.path("rootCertBundle").asText()).isEqualTo("/etc/georeg/secrets/token-rootcertbundle.pem");
        assertThat(chart.config("router").path("auth").has("outage"))
                .as("no site key: the shield is off, and unarmed")
                .isFalse();
        assertThat(RenderedChart.secretFiles(chart.deployment("router")))
                .containsEntry("token-rootcertbundle.pem", "gitlab-registry-cert:rootcertbundle.pem");
        assertThat(chart.ofKind("PrometheusRule").toString())
                .contains("GeoregOutageShieldUnarmed")
                .contains("georeg_router_outage_shield_armed");
    }

    @Test
    void outageTokensGiveRoutersAndRegistryReadTheSiteKeyFromASecretAndTheRules() {
        RenderedChart chart = RenderedChart.render("gcs.yaml", outage(t -> {}));

        for (String component : new String[] {"router", "registry-read"}) {
            JsonNode o = chart.config(component).path("auth").path("outage");
            assertThat(o.path("issuer").asText()).as(component).isEqualTo("georeg-site-b");
            assertThat(o.path("signingKeyFile").asText())
                    .as(component)
                    .isEqualTo("/etc/georeg/secrets/outage-signing-key");
            assertThat(o.path("grantWindow").asText()).as(component).isEqualTo("12h");
            assertThat(o.path("tokenLifetime").asText()).as(component).isEqualTo("3m");
            assertThat(o.path("maxGrants").asInt()).as(component).isEqualTo(100000);
            assertThat(o.has("signingKey")).as(component + ": never inlined").isFalse();
            assertThat(RenderedChart.secretFiles(chart.deployment(component)))
                    .as(component)
                    .containsEntry("outage-signing-key", RELEASE + "-georeg-secrets:outage-signing-key");
        }
        assertThat(RenderedChart.secretFiles(chart.deployment("replicator"))).doesNotContainKey("outage-signing-key");
        assertThat(chart.ofKind("ConfigMap").toString()).doesNotContain("BEGIN PRIVATE KEY");
        String stored = chart.get("Secret", RELEASE + "-georeg-secrets")
                .path("data")
                .path("outage-signing-key")
                .asText();
        assertThat(new String(Base64.getDecoder().decode(stored), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(KEY);
    }

    @Test
    void anExistingSecretHoldsTheSiteKeyAndAPreviousKeyIsMountedDuringARotation() {
        RenderedChart chart = RenderedChart.render(
                "gcs.yaml",
                outage(t -> t.set("tokenAuth.outage.signingKey", "")
                        .set("tokenAuth.outage.existingSecret", "site-b-key")
                        .set("tokenAuth.outage.existingSecretKey", "tls.key")
                        .set(
                                "tokenAuth.outage.previousPublicKey",
                                "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n")));

        assertThat(RenderedChart.secretFiles(chart.deployment("router")))
                .containsEntry("outage-signing-key", "site-b-key:tls.key")
                .containsEntry("outage-previous-public-key", RELEASE + "-georeg-secrets:outage-previous-public-key");
        assertThat(chart.config("registry-read")
                        .path("auth")
                        .path("outage")
                        .path("previousPublicKeyFile")
                        .asText())
                .isEqualTo("/etc/georeg/secrets/outage-previous-public-key");
    }

    @Test
    void outageTokensWithoutIssuerKeyOrTokenAuthFailNamingTheFix() {
        assertThat(catchThrowable(
                        () -> RenderedChart.template("gcs.yaml", outage(t -> t.set("tokenAuth.outage.issuer", "")))))
                .hasMessageContaining("tokenAuth.outage.issuer");
        assertThat(catchThrowable(() ->
                        RenderedChart.template("gcs.yaml", outage(t -> t.set("tokenAuth.outage.signingKey", "")))))
                .hasMessageContaining("tokenAuth.outage.signingKey");
        assertThat(catchThrowable(
                        () -> RenderedChart.template("gcs.yaml", outage(t -> t.set("tokenAuth.enabled", false)))))
                .hasMessageContaining("set tokenAuth.enabled");
    }
}
