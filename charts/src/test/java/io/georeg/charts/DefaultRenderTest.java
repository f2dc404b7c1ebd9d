package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static io.georeg.charts.RenderedChart.container;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The chart rendered with nothing but its default values. */
class DefaultRenderTest {
    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = RenderedChart.render(null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"router", "registry-read", "replicator"})
    void everyComponentIsItsOwnDeploymentWithServiceProbesAndResources(String component) {
        JsonNode deployment = chart.deployment(component);
        JsonNode c = container(deployment);

        assertThat(c.path("args").toString())
                .isEqualTo("[\"serve\",\"--config\",\"/etc/georeg/" + component + ".yaml\"]");
        assertThat(c.path("image").asText()).isEqualTo("georeg/georeg:0.1.0");
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/-/health");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/-/ready");
        assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/-/health");
        assertThat(c.path("resources").path("requests").path("cpu").asText()).isNotEmpty();
        assertThat(c.path("resources").path("limits").path("memory").asText()).isNotEmpty();

        JsonNode service = chart.get("Service", RELEASE + "-georeg-" + component);
        assertThat(service.path("spec")
                        .path("selector")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo(component);
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText())
                .isEqualTo("http");
        assertThat(deployment
                        .path("spec")
                        .path("selector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo(component);
    }

    @ParameterizedTest
    @ValueSource(strings = {"router", "registry-read", "replicator"})
    void podsRunAsNonRootWithAReadOnlyRootFilesystem(String component) {
        JsonNode pod = chart.deployment(component).path("spec").path("template").path("spec");

        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(container(chart.deployment(component))
                        .path("securityContext")
                        .path("readOnlyRootFilesystem")
                        .asBoolean())
                .isTrue();
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"router", "registry-read", "replicator"})
    void everyComponentHasAPodDisruptionBudget(String component) {
        JsonNode pdb = chart.get("PodDisruptionBudget", RELEASE + "-georeg-" + component);

        assertThat(pdb.path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
        assertThat(pdb.path("spec")
                        .path("selector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo(component);
    }

    @Test
    void routerServesOperatorEndpointsOnAPortOfItsOwnThatTheIngressNeverNames() {
        JsonNode container = container(chart.deployment("router"));
        assertThat(container.path("ports").toString()).contains("\"operator\"").contains("8090");
        assertThat(chart.ofKind("ConfigMap").toString()).contains("operator:").contains("port: 8090");
        assertThat(chart.ofKind("Ingress").toString())
                .doesNotContain("router-operator")
                .doesNotContain("8090");
    }

    @Test
    void oneIngressHostSendsEveryPathToTheRouter() {
        List<JsonNode> ingresses = chart.ofKind("Ingress");
        assertThat(ingresses).hasSize(1);
        JsonNode rules = ingresses.get(0).path("spec").path("rules");

        assertThat(rules).hasSize(1);
        assertThat(rules.get(0).path("host").asText()).isEqualTo("registry.example.com");
        JsonNode paths = rules.get(0).path("http").path("paths");
        assertThat(paths).hasSize(1);
        assertThat(paths.get(0).path("path").asText()).isEqualTo("/");
        assertThat(paths.get(0).path("pathType").asText()).isEqualTo("Prefix");
        assertThat(paths.get(0).path("backend").path("service").path("name").asText())
                .isEqualTo(RELEASE + "-georeg-router");
        assertThat(ingresses.get(0).path("spec").path("ingressClassName").asText())
                .isEqualTo("nginx");
    }

    @Test
    void ingressLetsMultiGigabyteUploadsStreamThroughIngressNginx() {
        JsonNode annotations = chart.ofKind("Ingress").get(0).path("metadata").path("annotations");

        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-body-size")
                        .asText())
                .isEqualTo("0");
        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-request-buffering")
                        .asText())
                .isEqualTo("off");
        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-buffering")
                        .asText())
                .isEqualTo("off");
        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-read-timeout")
                        .asText())
                .isEqualTo("900");
        assertThat(annotations
                        .path("nginx.ingress.kubernetes.io/proxy-send-timeout")
                        .asText())
                .isEqualTo("900");
    }

    @Test
    void eachComponentsConfigRunsOnlyThatComponentWithSecretsAsFiles() {
        ObjectNode router = chart.config("router");
        ObjectNode read = chart.config("registry-read");
        ObjectNode replicator = chart.config("replicator");

        assertThat(router.path("components").toString()).isEqualTo("[\"router\"]");
        assertThat(read.path("components").toString()).isEqualTo("[\"registry-read\"]");
        assertThat(replicator.path("components").toString()).isEqualTo("[\"replicator\"]");
        assertThat(router.path("router").path("replicaUrl").asText())
                .isEqualTo("http://" + RELEASE + "-georeg-registry-read:5000");
        assertThat(router.path("router").path("primaryUrl").asText()).isEqualTo("https://primary.registry.example.com");
        assertThat(router.path("router").path("publicUrl").asText()).isEqualTo("http://registry.example.com");
        assertThat(read.path("registryRead").path("port").asInt()).isEqualTo(5000);
        assertThat(read.path("storage").path("filesystem").path("root").asText())
                .isEqualTo("/var/lib/georeg");
        assertThat(router.has("storage")).as("the router needs no blob storage").isFalse();
        assertThat(replicator
                        .path("replicator")
                        .path("intake")
                        .path("secretFile")
                        .asText())
                .isEqualTo("/etc/georeg/secrets/notification-secret");
        assertThat(replicator.path("replicator").path("intake").has("secret")).isFalse();
        assertThat(read.path("database").path("url").asText())
                .isEqualTo("jdbc:postgresql://postgresql:5432/georeg?sslmode=prefer");
    }

    @Test
    void noSecretValueIsWrittenIntoTheConfigMap() {
        String configs =
                chart.get("ConfigMap", RELEASE + "-georeg-config").path("data").toString();

        assertThat(configs).doesNotContainPattern("(?i)\"?(password|secret|secretAccessKey)\"?\\s*:");
    }

    @Test
    void replicatorReadsTheNotificationSecretGeneratedAtInstall() {
        assertThat(RenderedChart.secretFiles(chart.deployment("replicator")))
                .containsEntry("notification-secret", RELEASE + "-georeg-notification:notification-secret");
        assertThat(RenderedChart.secretFiles(chart.deployment("router"))).doesNotContainKey("notification-secret");
        // Generated once by a pre-install hook: Helm keeps hooks out of the release manifest.
        assertThat(chart.has("Secret", RELEASE + "-georeg-notification")).isFalse();
    }

    @Test
    void filesystemStorageIsAPersistentVolumeClaimThatOutlivesTheRelease() {
        JsonNode pvc = chart.get("PersistentVolumeClaim", RELEASE + "-georeg-data");

        assertThat(pvc.path("metadata")
                        .path("annotations")
                        .path("helm.sh/resource-policy")
                        .asText())
                .isEqualTo("keep");
        List<String> claimants = new ArrayList<>();
        for (String component : List.of("router", "registry-read", "replicator")) {
            for (JsonNode v : chart.deployment(component)
                    .path("spec")
                    .path("template")
                    .path("spec")
                    .path("volumes")) {
                if (v.path("persistentVolumeClaim").path("claimName").asText().equals(RELEASE + "-georeg-data")) {
                    claimants.add(component);
                }
            }
        }
        assertThat(claimants).containsExactly("registry-read", "replicator");
    }

    @Test
    void migrationJobIsAHookKeptOutOfTheReleaseManifest() {
        assertThat(chart.ofKind("Job"))
                .as("a pre-install/pre-upgrade hook is not part of the manifest")
                .isEmpty();
    }

    @Test
    void monitoringObjectsAreOptIn() {
        assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
        assertThat(chart.ofKind("PrometheusRule")).isEmpty();
        assertThat(chart.ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(chart.has("ConfigMap", RELEASE + "-georeg-dashboard")).isFalse();
    }
}
