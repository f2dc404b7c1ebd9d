package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * primary.caBundle, primary.caBundleConfigMap, primary.proxy, primary.noProxy and the proxy's
 * account (primary.proxyUsername, proxyPassword or proxyExistingSecret/Key): a primary behind a
 * private CA or a corporate proxy. The router and the replicator (the components that talk to the
 * primary) get the bundle and the proxy's password as files and the config keys primary.*;
 * registry-read gets none of them.
 */
class PrimaryEgressValuesTest {
    private static final String BUNDLE_FILE = "/etc/georeg/secrets/primary-ca.pem";

    /** The configMap sources of a component's projected secrets volume, as "name:key→path". */
    private static List<String> configMapFiles(JsonNode deployment) {
        List<String> files = new ArrayList<>();
        for (JsonNode volume :
                deployment.path("spec").path("template").path("spec").path("volumes")) {
            for (JsonNode source : volume.path("projected").path("sources")) {
                JsonNode cm = source.path("configMap");
                for (JsonNode item : cm.path("items")) {
                    files.add(cm.path("name").asText() + ":" + item.path("key").asText() + "→"
                            + item.path("path").asText());
                }
            }
        }
        return files;
    }

    @Test
    void aBundleInTheValuesAndAProxyReachTheRouterAndTheReplicator() {
        RenderedChart chart = RenderedChart.render("primary-private-ca.yaml");

        assertThat(chart.get("ConfigMap", RELEASE + "-georeg-config")
                        .path("data")
                        .path("primary-ca.pem")
                        .asText())
                .startsWith("-----BEGIN CERTIFICATE-----")
                .endsWith("-----END CERTIFICATE-----\n");
        assertThat(chart.get("Secret", RELEASE + "-georeg-secrets")
                        .path("data")
                        .path("primary-proxy-password")
                        .asText())
                .isEqualTo(java.util.Base64.getEncoder().encodeToString("proxy-password-in-values".getBytes()));
        for (String component : List.of("router", "replicator")) {
            JsonNode primary = chart.config(component).path("primary");
            assertThat(primary.path("caBundle").asText()).as(component).isEqualTo(BUNDLE_FILE);
            assertThat(primary.path("proxy").asText()).as(component).isEqualTo("http://proxy.corp.example:3128");
            assertThat(primary.path("noProxy"))
                    .as(component)
                    .extracting(JsonNode::asText)
                    .containsExactly("auth.corp.example", "10.0.0.0/8");
            assertThat(primary.path("proxyUsername").asText()).as(component).isEqualTo("georeg-egress");
            assertThat(primary.path("proxyPasswordFile").asText())
                    .as(component)
                    .isEqualTo("/etc/georeg/secrets/primary-proxy-password");
            assertThat(RenderedChart.secretFiles(chart.deployment(component)))
                    .as(component)
                    .containsEntry("primary-proxy-password", RELEASE + "-georeg-secrets:primary-proxy-password");
            assertThat(configMapFiles(chart.deployment(component)))
                    .as(component)
                    .containsExactly(RELEASE + "-georeg-config:primary-ca.pem→primary-ca.pem");
        }
        assertThat(chart.config("registry-read").has("primary"))
                .as("registry-read never talks to the primary")
                .isFalse();
        assertThat(configMapFiles(chart.deployment("registry-read"))).isEmpty();
        assertThat(RenderedChart.secretFiles(chart.deployment("registry-read")))
                .doesNotContainKey("primary-proxy-password");
    }

    @Test
    void theProxysPasswordCanComeFromAnExistingSecret() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("primary.proxy", "http://proxy.corp.example:3128")
                        .set("primary.proxyUsername", "georeg")
                        .set("primary.proxyExistingSecret", "corp-proxy")
                        .set("primary.proxyExistingSecretKey", "pass"));

        assertThat(chart.has("Secret", RELEASE + "-georeg-secrets")
                        && chart.get("Secret", RELEASE + "-georeg-secrets")
                                .path("data")
                                .has("primary-proxy-password"))
                .isFalse();
        for (String component : List.of("router", "replicator")) {
            assertThat(RenderedChart.secretFiles(chart.deployment(component)))
                    .as(component)
                    .containsEntry("primary-proxy-password", "corp-proxy:pass");
            assertThat(chart.config(component).path("primary").has("noProxy")).isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "primary.proxyUsername=georeg; primary.proxyPassword or primary.proxyExistingSecret",
                "primary.proxy=; primary.noProxy and primary.proxyUsername only apply with a proxy",
                "primary.proxyUsername=geo:reg; proxyUsername",
            })
    void aProxyAccountWithoutItsPasswordOrAProxyIsRefused(String setting, String message) {
        String[] kv = setting.split("=", 2);
        Throwable refused = catchThrowable(() -> RenderedChart.template(null, t -> {
            t.set("primary.proxy", "http://proxy.corp.example:3128");
            if (kv[0].equals("primary.proxy")) {
                t.set("primary.proxy", "").set("primary.noProxy[0]", "corp.example");
            } else {
                t.set(kv[0], kv[1]);
            }
        }));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains(message);
    }

    @Test
    void anExistingConfigMapIsMountedInsteadOfTheValues() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("primary.caBundleConfigMap", "corp-trust").set("primary.caBundleConfigMapKey", "root.crt"));

        assertThat(chart.get("ConfigMap", RELEASE + "-georeg-config")
                        .path("data")
                        .has("primary-ca.pem"))
                .isFalse();
        for (String component : List.of("router", "replicator")) {
            assertThat(chart.config(component).path("primary").path("caBundle").asText())
                    .isEqualTo(BUNDLE_FILE);
            assertThat(chart.config(component).path("primary").has("proxy")).isFalse();
            assertThat(configMapFiles(chart.deployment(component)))
                    .containsExactly("corp-trust:root.crt→primary-ca.pem");
        }
    }

    @Test
    void byDefaultThePrimaryIsReachedDirectlyWithThePublicCas() {
        RenderedChart chart = RenderedChart.render(null);

        for (String component : List.of("router", "replicator", "registry-read")) {
            assertThat(chart.config(component).has("primary")).as(component).isFalse();
            assertThat(configMapFiles(chart.deployment(component)))
                    .as(component)
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://proxy.corp.example:3128", "http://proxy.corp.example", "http://u:p@proxy:3128"})
    void aProxyThatIsNotHttpHostPortIsRefused(String proxy) {
        Throwable refused = catchThrowable(() -> RenderedChart.template(null, t -> t.set("primary.proxy", proxy)));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("primary").contains("proxy");
    }
}
