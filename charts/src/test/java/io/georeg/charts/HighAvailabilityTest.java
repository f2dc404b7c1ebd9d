package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HA variant: shared storage, autoscaling, disruption budgets, monitoring and the dashboard. */
class HighAvailabilityTest {
    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = RenderedChart.render("ha.yaml");
    }

    @Test
    void routerAndRegistryReadScaleWithAnHpaThatOwnsTheirReplicaCount() {
        for (String component : List.of("router", "registry-read")) {
            JsonNode hpa = chart.get("HorizontalPodAutoscaler", RELEASE + "-georeg-" + component);
            assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText())
                    .isEqualTo(RELEASE + "-georeg-" + component);
            assertThat(hpa.path("spec").path("minReplicas").asInt()).isEqualTo(3);
            assertThat(chart.deployment(component).path("spec").has("replicas"))
                    .as("%s: the HPA, not the Deployment, sets the replica count", component)
                    .isFalse();
        }
        assertThat(chart.get("HorizontalPodAutoscaler", RELEASE + "-georeg-registry-read")
                        .path("spec")
                        .path("maxReplicas")
                        .asInt())
                .isEqualTo(20);
        assertThat(chart.has("HorizontalPodAutoscaler", RELEASE + "-georeg-replicator"))
                .isFalse();
    }

    @Test
    void replicatorRunsSeveralInstancesOnTheSharedQueue() {
        assertThat(chart.deployment("replicator").path("spec").path("replicas").asInt())
                .isEqualTo(2);
        assertThat(chart.config("replicator")
                        .path("replicator")
                        .path("workers")
                        .path("concurrency")
                        .asInt())
                .isEqualTo(16);
    }

    @Test
    void disruptionBudgetTakesMinAvailableWhenGiven() {
        JsonNode router =
                chart.get("PodDisruptionBudget", RELEASE + "-georeg-router").path("spec");

        assertThat(router.path("minAvailable").asInt()).isEqualTo(2);
        assertThat(router.has("maxUnavailable")).isFalse();
    }

    @Test
    void sharedFilesystemIsAReadWriteManyClaim() {
        JsonNode pvc =
                chart.get("PersistentVolumeClaim", RELEASE + "-georeg-data").path("spec");

        assertThat(pvc.path("accessModes").toString()).isEqualTo("[\"ReadWriteMany\"]");
        assertThat(pvc.path("storageClassName").asText()).isEqualTo("nfs");
    }

    @Test
    void serviceMonitorScrapesMetricsOfEveryComponentButNeverThePublicRouterService() {
        JsonNode monitor = chart.get("ServiceMonitor", RELEASE + "-georeg");

        assertThat(monitor.path("metadata").path("labels").path("release").asText())
                .isEqualTo("kube-prometheus-stack");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo("http");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        JsonNode selector = monitor.path("spec").path("selector").path("matchLabels");
        for (JsonNode service : chart.ofKind("Service")) {
            selector.fields()
                    .forEachRemaining(e -> assertThat(service.path("metadata")
                                    .path("labels")
                                    .path(e.getKey())
                                    .asText())
                            .as(
                                    "Service %s carries the ServiceMonitor's label %s",
                                    service.path("metadata").path("name").asText(), e.getKey())
                            .isEqualTo(e.getValue().asText()));
        }
        assertThat(chart.ofKind("Service")).hasSize(4);
        // The router's public Service (behind the Ingress) serves no /metrics; its operator Service does.
        assertThat(monitor.path("spec")
                        .path("selector")
                        .path("matchExpressions")
                        .toString())
                .contains("georeg.io/metrics")
                .contains("NotIn")
                .contains("false");
        assertThat(chart.get("Service", RELEASE + "-georeg-router")
                        .path("metadata")
                        .path("labels")
                        .path("georeg.io/metrics")
                        .asText())
                .isEqualTo("false");
        JsonNode operator = chart.get("Service", RELEASE + "-georeg-router-operator");
        assertThat(operator.path("metadata").path("labels").has("georeg.io/metrics"))
                .isFalse();
        assertThat(operator.path("spec").path("ports").get(0).path("targetPort").asText())
                .isEqualTo("operator");
        assertThat(operator.path("spec").path("type").asText()).isEqualTo("ClusterIP");
    }

    @Test
    void alertsCoverLagFailuresQueuePrimaryAndFallbackWithTheConfiguredThresholds() {
        JsonNode rule = chart.get("PrometheusRule", RELEASE + "-georeg");
        List<String> alerts = new ArrayList<>();
        StringBuilder expressions = new StringBuilder();
        for (JsonNode group : rule.path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                alerts.add(r.path("alert").asText());
                expressions.append(r.path("expr").asText()).append('\n');
            }
        }

        assertThat(alerts)
                .contains(
                        "GeoregReplicationLagHigh",
                        "GeoregReplicationFailuresRising",
                        "GeoregReplicationQueueNotDraining",
                        "GeoregPrimaryUnreachable",
                        "GeoregSecondaryDegraded",
                        "GeoregFallbackRatioHigh",
                        "GeoregOldestPendingEventOld");
        assertThat(expressions)
                .contains(
                        "georeg_replication_lag_seconds_bucket",
                        "> 120",
                        "georeg_router_circuit_open",
                        "upstream=~\"primary|primary-.+\"",
                        "georeg_router_fallbacks_total",
                        "outcome=\"primary\"",
                        "georeg_router_requests_total",
                        "destination=\"replica\"",
                        "> 0.1",
                        "georeg_replication_queue_items",
                        "georeg_replication_failures_total",
                        "georeg_replication_oldest_pending_seconds",
                        "georeg_backend_available",
                        "upstream=\"replica\"");
        assertThat(expressions).contains("namespace=\"" + RenderedChart.NAMESPACE + "\"");
        assertThat(expressions)
                .as("each primary's replication alerted on apart when there are several (the primary label)")
                .contains(
                        "sum by (le, primary) (rate(georeg_replication_lag_seconds_bucket",
                        "max by (primary) (georeg_replication_oldest_pending_seconds",
                        "sum by (primary) (increase(georeg_replication_failures_total",
                        "sum by (primary) (georeg_replication_queue_items",
                        "unless on (primary)",
                        "sum by (primary) (increase(georeg_replication_intake_requests_total");
    }

    @Test
    void dashboardShipsAsASidecarConfigMapOfValidGrafanaJson() throws Exception {
        JsonNode configMap = chart.get("ConfigMap", RELEASE + "-georeg-dashboard");
        assertThat(configMap
                        .path("metadata")
                        .path("labels")
                        .path("grafana_dashboard")
                        .asText())
                .isEqualTo("1");

        JsonNode dashboard = RenderedChart.json()
                .readTree(configMap.path("data").path("georeg.json").asText());
        List<String> titles = new ArrayList<>();
        StringBuilder queries = new StringBuilder();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            panel.path("targets")
                    .forEach(t -> queries.append(t.path("expr").asText()).append('\n'));
        }
        assertThat(String.join("|", titles).toLowerCase())
                .contains(
                        "lag",
                        "oldest pending",
                        "queue by state",
                        "bytes",
                        "fallback ratio",
                        "failures",
                        "errors",
                        "circuit");
        assertThat(queries)
                .contains(
                        "georeg_replication_lag_seconds_bucket",
                        "georeg_replication_bytes_copied_total",
                        "georeg_router_circuit_open",
                        "georeg_replication_queue_items",
                        "georeg_read_requests_total",
                        "georeg_read_request_duration_seconds_bucket",
                        "georeg_http_requests_total",
                        "org_eclipse_jetty_util_thread_QueuedThreadPool_utilization_max",
                        "org_eclipse_jetty_util_thread_QueuedThreadPool_jobs",
                        "org_eclipse_jetty_server_HttpConnectionFactory_active_connections",
                        "hikaricp_active_connections",
                        "hikaricp_pending_threads",
                        "hikaricp_connection_acquired_nanos_sum",
                        "hikaricp_connection_timeout_total",
                        "jvm_memory_used_bytes",
                        "jvm_gc_collection_seconds");
        assertThat(String.join("|", titles).toLowerCase())
                .contains(
                        "registry-read",
                        "jetty threads",
                        "open connections",
                        "http requests",
                        "database pool",
                        "jvm heap");
    }
}
