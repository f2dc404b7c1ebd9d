package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.TemplateCommand;
import com.nimbusds.jwt.SignedJWT;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.config.GeoregConfig;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.token.site.OutageTokenSigner;
import io.georeg.token.site.SiteKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outage shield under Helm (issue 17): with {@code tokenAuth.enabled} the routers get the
 * primary's {@code auth.token} settings and its certificate bundle, so that they export the
 * shield's metrics and {@code GeoregOutageShieldUnarmed} can fire; with
 * {@code tokenAuth.outage.enabled} the routers get {@code auth.outage} with the site's signing key
 * from a Secret, and registry-read, which only verifies outage tokens, the public key alone
 * (issue 11).
 */
class OutageShieldValuesTest {
    private static final TestSiteKey SITE_KEY = TestSiteKey.ec();
    private static final String KEY = SITE_KEY.privatePem();
    private static final String PUBLIC_KEY = SITE_KEY.publicPem();

    @TempDir
    Path dir;

    /** Outage tokens on, with this test's site key. */
    private static final Map<String, Object> OUTAGE = new LinkedHashMap<>();

    static {
        OUTAGE.put("tokenAuth.outage.enabled", true);
        OUTAGE.put("tokenAuth.outage.issuer", "georeg-site-b");
        OUTAGE.put("tokenAuth.outage.signingKey", KEY);
        OUTAGE.put("tokenAuth.outage.publicKey", PUBLIC_KEY);
        OUTAGE.put("tokenAuth.outage.grantWindow", "12h");
        OUTAGE.put("tokenAuth.outage.tokenLifetime", "3m");
    }

    private static Consumer<TemplateCommand> outage(Consumer<TemplateCommand> more) {
        return t -> {
            OUTAGE.forEach(t::set);
            more.accept(t);
        };
    }

    @Test
    void withTokenAuthTheRoutersCheckThePrimarysTokensSoTheShieldsMetricsExist() {
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
                .as("without outage tokens the shield can never arm: an alert on it would fire for good")
                .doesNotContain("GeoregOutageShieldUnarmed")
                .contains("GeoregReplicationLagHigh");
        assertThat(RenderedChart.notes("gcs.yaml", Map.of()))
                .as("the install notes say what token auth without outage tokens means")
                .contains("token auth is on without outage tokens")
                .contains("pulls through this site stop");
    }

    @Test
    void withOutageTokensTheAlertWatchesThatTheShieldIsArmed() {
        RenderedChart chart =
                RenderedChart.render("gcs.yaml", outage(t -> t.set("metrics.prometheusRule.enabled", true)));

        assertThat(chart.ofKind("PrometheusRule").toString())
                .contains("GeoregOutageShieldUnarmed")
                .contains("georeg_router_outage_shield_armed");
        assertThat(RenderedChart.notes("gcs.yaml", OUTAGE)).doesNotContain("without outage tokens");
    }

    @Test
    void outageTokensGiveTheRoutersTheSigningKeyAndRegistryReadOnlyThePublicKey() {
        RenderedChart chart = RenderedChart.render("gcs.yaml", outage(t -> {}));

        for (String component : new String[] {"router", "registry-read"}) {
            JsonNode o = chart.config(component).path("auth").path("outage");
            assertThat(o.path("issuer").asText()).as(component).isEqualTo("georeg-site-b");
            assertThat(o.path("grantWindow").asText()).as(component).isEqualTo("12h");
            assertThat(o.path("tokenLifetime").asText()).as(component).isEqualTo("3m");
            assertThat(o.path("maxGrants").asInt()).as(component).isEqualTo(100000);
            assertThat(o.has("signingKey")).as(component + ": never inlined").isFalse();
            assertThat(o.has("publicKey")).as(component + ": never inlined").isFalse();
        }
        JsonNode router = chart.config("router").path("auth").path("outage");
        assertThat(router.path("signingKeyFile").asText()).isEqualTo("/etc/georeg/secrets/outage-signing-key");
        assertThat(RenderedChart.secretFiles(chart.deployment("router")))
                .containsEntry("outage-signing-key", RELEASE + "-georeg-secrets:outage-signing-key");
        JsonNode read = chart.config("registry-read").path("auth").path("outage");
        assertThat(read.has("signingKeyFile")).as("registry-read only verifies").isFalse();
        assertThat(read.path("publicKeyFile").asText()).isEqualTo("/etc/georeg/secrets/outage-public-key");
        assertThat(RenderedChart.secretFiles(chart.deployment("registry-read")))
                .containsEntry("outage-public-key", RELEASE + "-georeg-secrets:outage-public-key")
                .doesNotContainKey("outage-signing-key");
        assertThat(RenderedChart.secretFiles(chart.deployment("replicator")))
                .doesNotContainKeys("outage-signing-key", "outage-public-key");
        assertThat(chart.ofKind("ConfigMap").toString()).doesNotContain("BEGIN PRIVATE KEY");
        JsonNode data = chart.get("Secret", RELEASE + "-georeg-secrets").path("data");
        assertThat(decoded(data.path("outage-signing-key").asText())).isEqualTo(KEY);
        assertThat(decoded(data.path("outage-public-key").asText())).isEqualTo(PUBLIC_KEY);
    }

    @Test
    void registryReadStartsOnTheRenderedPublicKeyAndVerifiesWhatTheRoutersSigningKeyMints() throws Exception {
        RenderedChart chart = RenderedChart.render("gcs.yaml", outage(t -> {}));
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        TestTokenIssuer.create(TestTokenIssuer.KeyKind.EC, "gitlab-issuer", "container_registry")
                .writeRootBundle(secrets.resolve("token-rootcertbundle.pem"));
        Files.writeString(secrets.resolve("database-password"), "unused");
        Files.writeString(secrets.resolve("outage-signing-key"), KEY);
        Files.writeString(secrets.resolve("outage-public-key"), PUBLIC_KEY);

        GeoregConfig read = loadAsMounted(chart, "registry-read", secrets);
        GeoregConfig router = loadAsMounted(chart, "router", secrets);

        assertThat(read.auth().outage().signingKey())
                .as("no private key reaches registry-read")
                .isNull();
        String token = new OutageTokenSigner(
                        SiteKeys.load(router.auth().outage().signingKey(), null), "georeg-site-b", Clock.systemUTC())
                .mint("alice", "container_registry", List.of("team/app"), Duration.ofMinutes(1))
                .token();
        String kid = SignedJWT.parse(token).getHeader().getKeyID();
        assertThat(read.auth().siteTrust().keys().trusted(kid))
                .as("registry-read trusts the key the routers sign with")
                .isEqualTo(SITE_KEY.keys().getPublic());
    }

    /** A component's rendered configuration, loaded and validated as its pod would with its secret files. */
    private GeoregConfig loadAsMounted(RenderedChart chart, String component, Path secrets) throws Exception {
        String yaml = chart.get("ConfigMap", RELEASE + "-georeg-config")
                .path("data")
                .path(component + ".yaml")
                .asText()
                .replace("/etc/georeg/secrets/", secrets + "/");
        Path file = Files.writeString(dir.resolve(component + ".yaml"), yaml);
        return new ConfigLoader(Map.of()).load(Optional.of(file)).validateComponents();
    }

    private static String decoded(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
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
        assertThat(RenderedChart.secretFiles(chart.deployment("registry-read")))
                .as("the public key given as a value, beside an existing secret for the private one")
                .containsEntry("outage-public-key", RELEASE + "-georeg-secrets:outage-public-key")
                .doesNotContainKey("outage-signing-key");
        RenderedChart bothInTheSecret = RenderedChart.render(
                "gcs.yaml",
                outage(t -> t.set("tokenAuth.outage.signingKey", "")
                        .set("tokenAuth.outage.publicKey", "")
                        .set("tokenAuth.outage.existingSecret", "site-b-key")
                        .set("tokenAuth.outage.existingSecretPublicKeyKey", "tls.pub")));
        assertThat(RenderedChart.secretFiles(bothInTheSecret.deployment("registry-read")))
                .containsEntry("outage-public-key", "site-b-key:tls.pub")
                .doesNotContainKey("outage-signing-key");
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
                        () -> RenderedChart.template("gcs.yaml", outage(t -> t.set("tokenAuth.outage.publicKey", "")))))
                .hasMessageContaining("tokenAuth.outage.publicKey")
                .hasMessageContaining("openssl pkey");
        assertThat(catchThrowable(
                        () -> RenderedChart.template("gcs.yaml", outage(t -> t.set("tokenAuth.enabled", false)))))
                .hasMessageContaining("set tokenAuth.enabled");
    }
}
