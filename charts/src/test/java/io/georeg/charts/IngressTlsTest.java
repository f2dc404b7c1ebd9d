package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ingress with TLS from cert-manager, annotation overrides, and the replicator's own host. */
class IngressTlsTest {
    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = RenderedChart.render("ingress-tls.yaml");
    }

    @Test
    void registryHostGetsTlsFromTheNamedSecretIssuedByCertManager() {
        JsonNode ingress = chart.get("Ingress", RELEASE + "-georeg");

        assertThat(ingress.path("spec").path("ingressClassName").asText()).isEqualTo("nginx-external");
        JsonNode tls = ingress.path("spec").path("tls");
        assertThat(tls).hasSize(1);
        assertThat(tls.get(0).path("secretName").asText()).isEqualTo("registry-site-b-tls");
        assertThat(tls.get(0).path("hosts").toString()).isEqualTo("[\"registry.site-b.example.com\"]");
        assertThat(ingress.path("metadata")
                        .path("annotations")
                        .path("cert-manager.io/cluster-issuer")
                        .asText())
                .isEqualTo("letsencrypt-prod");
        assertThat(chart.config("router").path("router").path("publicUrl").asText())
                .isEqualTo("https://registry.site-b.example.com");
    }

    @Test
    void userAnnotationsOverrideTheDefaultsAndKeepTheRest() {
        JsonNode annotations =
                chart.get("Ingress", RELEASE + "-georeg").path("metadata").path("annotations");

        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-read-timeout")
                        .asText())
                .isEqualTo("3600");
        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-body-size")
                        .asText())
                .isEqualTo("0");
    }

    @Test
    void defaultAnnotationsCanBeDroppedForAnotherController() {
        RenderedChart traefik = RenderedChart.render("ingress-traefik.yaml");
        JsonNode ingress = traefik.get("Ingress", RELEASE + "-georeg");
        JsonNode annotations = ingress.path("metadata").path("annotations");

        assertThat(ingress.path("spec").path("ingressClassName").asText()).isEqualTo("traefik");
        assertThat(annotations.fieldNames())
                .toIterable()
                .noneMatch(name -> name.startsWith("nginx.ingress.kubernetes.io/"));
        assertThat(annotations
                        .path("traefik.ingress.kubernetes.io/router.entrypoints")
                        .asText())
                .isEqualTo("websecure");
        assertThat(annotations.path("cert-manager.io/issuer").asText()).isEqualTo("site-b-issuer");
        assertThat(ingress.path("spec").path("tls").get(0).path("secretName").asText())
                .isEqualTo(RELEASE + "-georeg-tls");
    }

    @Test
    void replicatorHostExposesOnlyTheNotificationPath() {
        JsonNode ingress = chart.get("Ingress", RELEASE + "-georeg-replicator");
        JsonNode rule = ingress.path("spec").path("rules").get(0);

        assertThat(rule.path("host").asText()).isEqualTo("georeg-events.site-b.example.com");
        assertThat(rule.path("http").path("paths")).hasSize(1);
        assertThat(rule.path("http").path("paths").get(0).path("path").asText()).isEqualTo("/events");
        assertThat(rule.path("http").path("paths").get(0).path("pathType").asText())
                .isEqualTo("Exact");
        assertThat(rule.path("http")
                        .path("paths")
                        .get(0)
                        .path("backend")
                        .path("service")
                        .path("name")
                        .asText())
                .isEqualTo(RELEASE + "-georeg-replicator");
        assertThat(ingress.path("spec").path("tls").get(0).path("secretName").asText())
                .isEqualTo(RELEASE + "-georeg-replicator-tls");
    }
}
