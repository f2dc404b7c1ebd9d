package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * primary.caBundle, primary.caBundleConfigMap and primary.proxy: a primary behind a private CA or a
 * corporate proxy. The router and the replicator (the components that talk to the primary) get
 * the bundle as a file and the config keys primary.caBundle and primary.proxy; registry-read gets
 * neither.
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
        for (String component : List.of("router", "replicator")) {
            JsonNode primary = chart.config(component).path("primary");
            assertThat(primary.path("caBundle").asText()).as(component).isEqualTo(BUNDLE_FILE);
            assertThat(primary.path("proxy").asText()).as(component).isEqualTo("http://proxy.corp.example:3128");
            assertThat(configMapFiles(chart.deployment(component)))
                    .as(component)
                    .containsExactly(RELEASE + "-georeg-config:primary-ca.pem→primary-ca.pem");
        }
        assertThat(chart.config("registry-read").has("primary"))
                .as("registry-read never talks to the primary")
                .isFalse();
        assertThat(configMapFiles(chart.deployment("registry-read"))).isEmpty();
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
