package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static io.georeg.charts.RenderedChart.container;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The values a platform team needs to run the chart the way it runs its other registries: storage
 * that works on a multi-node cluster, the admin token as a Secret, extra env/volumes/labels,
 * NetworkPolicies, a Gateway API route, and alerts that link to their runbook.
 */
class OperabilityValuesTest {
    private static final String DATA_VOLUME_LABEL = "georeg.io/volume";

    private static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    private static JsonNode requiredPodAffinity(RenderedChart chart, String component) {
        return podSpec(chart.deployment(component))
                .path("affinity")
                .path("podAffinity")
                .path("requiredDuringSchedulingIgnoredDuringExecution");
    }

    @Test
    void readWriteOnceStorageSchedulesRegistryReadAndReplicatorOntoTheVolumesNode() {
        RenderedChart chart = RenderedChart.render(null);

        for (String component : List.of("registry-read", "replicator")) {
            JsonNode terms = requiredPodAffinity(chart, component);
            assertThat(terms).as(component).hasSize(1);
            assertThat(terms.get(0).path("topologyKey").asText()).isEqualTo("kubernetes.io/hostname");
            JsonNode selector = terms.get(0).path("labelSelector").path("matchLabels");
            assertThat(selector.path(DATA_VOLUME_LABEL).asText()).isEqualTo("data");
            assertThat(selector.path("app.kubernetes.io/instance").asText()).isEqualTo(RELEASE);
            // Every pod that mounts the volume carries the label its own term selects, so the
            // first one schedules anywhere and the others follow it.
            JsonNode labels = chart.deployment(component)
                    .path("spec")
                    .path("template")
                    .path("metadata")
                    .path("labels");
            selector.fields()
                    .forEachRemaining(e -> assertThat(labels.path(e.getKey()).asText())
                            .as("%s pod label %s", component, e.getKey())
                            .isEqualTo(e.getValue().asText()));
        }
        assertThat(podSpec(chart.deployment("router")).has("affinity"))
                .as("the router mounts no volume")
                .isFalse();
    }

    @Test
    void colocationKeepsTheUsersOwnAffinityTerms() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set(
                                "replicator.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
                                "topology.kubernetes.io/zone")
                        .set(
                                "replicator.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app",
                                "cache")
                        .set(
                                "replicator.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key",
                                "disk")
                        .set(
                                "replicator.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
                                "Exists"));
        JsonNode affinity = podSpec(chart.deployment("replicator")).path("affinity");

        assertThat(affinity.path("podAffinity")
                        .path("requiredDuringSchedulingIgnoredDuringExecution")
                        .findValuesAsText("topologyKey"))
                .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
        assertThat(affinity.path("nodeAffinity").toString()).contains("disk");
    }

    @Test
    void sharedOrObjectStorageNeedsNoColocation() {
        RenderedChart rwx = RenderedChart.render("ha.yaml");
        RenderedChart s3 = RenderedChart.render("s3.yaml");

        for (String component : List.of("registry-read", "replicator")) {
            assertThat(podSpec(rwx.deployment(component)).has("affinity")).isFalse();
            assertThat(podSpec(s3.deployment(component)).has("affinity")).isFalse();
            assertThat(rwx.deployment(component)
                            .path("spec")
                            .path("template")
                            .path("metadata")
                            .path("labels")
                            .has(DATA_VOLUME_LABEL))
                    .isFalse();
        }
    }

    @Test
    void readWriteOnceWithoutColocationIsRefusedNamingTheMultiAttachProblemAndTheFixes() {
        Throwable refused = catchThrowable(
                () -> RenderedChart.template(null, t -> t.set("storage.filesystem.persistence.colocatePods", false)));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage())
                .contains("Multi-Attach")
                .contains("colocatePods")
                .contains("ReadWriteMany")
                .contains("s3/gcs");
    }

    @Test
    void readWriteOncePodIsRefusedBecauseTwoComponentsMountTheVolume() {
        Throwable refused = catchThrowable(() -> RenderedChart.template(
                null, t -> t.set("storage.filesystem.persistence.accessModes[0]", "ReadWriteOncePod")));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("ReadWriteOncePod allows one pod only");
    }

    @Test
    void adminApiIsOffUnlessEnabledAndThenReadsTheGeneratedToken() {
        RenderedChart off = RenderedChart.render(null);
        assertThat(off.config("router").path("router").has("admin")).isFalse();
        assertThat(RenderedChart.secretFiles(off.deployment("router"))).doesNotContainKey("admin-token");

        RenderedChart on = RenderedChart.render(null, t -> t.set("router.admin.enabled", true));
        assertThat(on.config("router")
                        .path("router")
                        .path("admin")
                        .path("tokenFile")
                        .asText())
                .isEqualTo("/etc/georeg/secrets/admin-token");
        assertThat(RenderedChart.secretFiles(on.deployment("router")))
                .containsEntry("admin-token", RELEASE + "-georeg-admin:token");
        assertThat(RenderedChart.secretFiles(on.deployment("replicator"))).doesNotContainKey("admin-token");
        assertThat(on.config("replicator").path("router").has("admin")).isFalse();
        // Generated by a pre-install hook, like the notification secret: not in the manifest.
        assertThat(on.has("Secret", RELEASE + "-georeg-admin")).isFalse();
    }

    @Test
    void adminTokenComesFromTheValueOrAnExistingSecret() {
        RenderedChart inline = RenderedChart.render(
                null,
                t -> t.set("router.admin.enabled", true).set("router.admin.token", "a-token-of-32-characters-or-so!!"));
        assertThat(RenderedChart.secretFiles(inline.deployment("router")))
                .containsEntry("admin-token", RELEASE + "-georeg-secrets:admin-token");
        assertThat(inline.get("Secret", RELEASE + "-georeg-secrets")
                        .path("data")
                        .has("admin-token"))
                .isTrue();

        RenderedChart existing = RenderedChart.render(
                null,
                t -> t.set("router.admin.enabled", true)
                        .set("router.admin.existingSecret", "georeg-admin")
                        .set("router.admin.existingSecretKey", "bearer"));
        assertThat(RenderedChart.secretFiles(existing.deployment("router")))
                .containsEntry("admin-token", "georeg-admin:bearer");
        assertThat(existing.ofKind("Secret")).isEmpty();
    }

    @Test
    void jsonLogsAreOneValueForEveryComponentAndTheMigrationJob() throws IOException {
        RenderedChart chart =
                RenderedChart.render(null, t -> t.set("logFormat", "json").set("migrations.hook", false));

        for (String component : List.of("router", "registry-read", "replicator")) {
            assertThat(chart.config(component).path("logFormat").asText())
                    .as(component)
                    .isEqualTo("json");
        }
        String migrate = chart.get("ConfigMap", RELEASE + "-georeg-migrate")
                .path("data")
                .path("migrate.yaml")
                .asText();
        assertThat(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                        .readTree(migrate)
                        .path("logFormat")
                        .asText())
                .isEqualTo("json");
        assertThat(RenderedChart.render(null).config("router").path("logFormat").asText())
                .isEqualTo("text");
        assertThat(catchThrowable(() -> RenderedChart.template(null, t -> t.set("logFormat", "logfmt"))))
                .hasMessageContaining("/logFormat");
    }

    @Test
    void shortAdminTokenIsRefused() {
        Throwable refused =
                catchThrowable(() -> RenderedChart.template(null, t -> t.set("router.admin.token", "short")));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("/router/admin/token");
    }

    @Test
    void extraEnvVolumesMountsAnnotationsAndLabelsReachEveryPodAndTheMigrationJob() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("migrations.hook", false)
                        .set("extraEnv[0].name", "TZ")
                        .set("extraEnv[0].value", "UTC")
                        .set("router.extraEnv[0].name", "ONLY_ROUTER")
                        .set("router.extraEnv[0].value", "1")
                        .set("registryRead.extraEnv[0].name", "ONLY_REGISTRY_READ")
                        .set("registryRead.extraEnv[0].value", "1")
                        .set("replicator.extraEnv[0].name", "ONLY_REPLICATOR")
                        .set("replicator.extraEnv[0].value", "1")
                        .set("registryRead.podAnnotations.team", "storage")
                        .set("extraVolumes[0].name", "db-ca")
                        .set("extraVolumes[0].secret.secretName", "pg-ca")
                        .set("extraVolumeMounts[0].name", "db-ca")
                        .set("extraVolumeMounts[0].mountPath", "/etc/georeg/db-ca")
                        .set("podAnnotations.team", "registry")
                        .set("router.podAnnotations.team", "edge")
                        .set("podLabels.cost-center", "cc-42"));

        List<JsonNode> workloads = new ArrayList<>();
        for (String component : List.of("router", "registry-read", "replicator")) {
            workloads.add(chart.deployment(component));
        }
        workloads.add(chart.get("Job", RELEASE + "-georeg-migrate"));
        for (JsonNode workload : workloads) {
            String name = workload.path("metadata").path("name").asText();
            JsonNode c = container(workload);
            assertThat(c.path("env").findValuesAsText("name")).as(name).contains("TZ");
            assertThat(c.path("volumeMounts").toString()).as(name).contains("/etc/georeg/db-ca");
            assertThat(podSpec(workload).path("volumes").toString()).as(name).contains("pg-ca");
            JsonNode metadata = workload.path("spec").path("template").path("metadata");
            assertThat(metadata.path("labels").path("cost-center").asText())
                    .as(name)
                    .isEqualTo("cc-42");
            assertThat(metadata.path("labels")
                            .path("app.kubernetes.io/instance")
                            .asText())
                    .isEqualTo(RELEASE);
        }
        assertThat(container(chart.deployment("router")).path("env").findValuesAsText("name"))
                .contains("JAVA_TOOL_OPTIONS", "TZ", "ONLY_ROUTER");
        assertThat(container(chart.deployment("replicator")).path("env").findValuesAsText("name"))
                .contains("TZ", "ONLY_REPLICATOR")
                .doesNotContain("ONLY_ROUTER", "ONLY_REGISTRY_READ");
        assertThat(container(chart.deployment("registry-read")).path("env").findValuesAsText("name"))
                .contains("TZ", "ONLY_REGISTRY_READ")
                .doesNotContain("ONLY_ROUTER", "ONLY_REPLICATOR");
        assertThat(annotation(chart.deployment("registry-read"), "team")).isEqualTo("storage");
        assertThat(annotation(chart.deployment("router"), "team"))
                .as("the component's own annotation wins")
                .isEqualTo("edge");
        assertThat(annotation(chart.deployment("replicator"), "team")).isEqualTo("registry");
        assertThat(annotation(chart.deployment("replicator"), "checksum/config"))
                .isNotEmpty();
    }

    private static String annotation(JsonNode workload, String key) {
        return workload.path("spec")
                .path("template")
                .path("metadata")
                .path("annotations")
                .path(key)
                .asText();
    }

    @Test
    void networkPoliciesAdmitRegistryReadOnlyFromTheRouterAndTheOthersFromTheirPeers() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("networkPolicy.enabled", true)
                        .set("networkPolicy.ingressFrom[0].namespaceSelector.matchLabels.name", "ingress-nginx")
                        .set("networkPolicy.notificationsFrom[0].ipBlock.cidr", "203.0.113.0/24")
                        .set("networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name", "monitoring"));

        JsonNode read =
                chart.get("NetworkPolicy", RELEASE + "-georeg-registry-read").path("spec");
        assertThat(read.path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo("registry-read");
        assertThat(read.path("policyTypes").toString()).isEqualTo("[\"Ingress\"]");
        JsonNode readFrom = read.path("ingress").get(0).path("from");
        assertThat(readFrom).hasSize(3);
        assertThat(readFrom.get(0)
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo("router");
        // helm test's deploy gate reads /metrics of every component
        assertThat(readFrom.get(1)
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/component")
                        .asText())
                .isEqualTo("health-test");
        assertThat(readFrom.get(2).toString()).contains("monitoring");

        JsonNode router = chart.get("NetworkPolicy", RELEASE + "-georeg-router").path("spec");
        // The registry port serves no metrics (they are on the operator port): only the ingress reaches it.
        assertThat(router.path("ingress").get(0).path("from").toString())
                .contains("ingress-nginx")
                .doesNotContain("monitoring");
        assertThat(router.path("ingress")
                        .get(1)
                        .path("ports")
                        .get(0)
                        .path("port")
                        .asText())
                .isEqualTo("operator");
        assertThat(router.path("ingress").get(1).path("from").toString())
                .contains("monitoring")
                .doesNotContain("ingress-nginx");
        assertThat(router.path("ingress")
                        .get(0)
                        .path("ports")
                        .get(0)
                        .path("port")
                        .asText())
                .isEqualTo("http");

        JsonNode replicator =
                chart.get("NetworkPolicy", RELEASE + "-georeg-replicator").path("spec");
        assertThat(replicator.path("ingress").get(0).path("from").toString())
                .contains("203.0.113.0/24")
                .contains("monitoring")
                .doesNotContain("ingress-nginx");
    }

    @Test
    void networkPolicyWithoutPeersAdmitsAnySourceOnTheServedPortsButRegistryReadStaysRouterOnly() {
        RenderedChart chart = RenderedChart.render(null, t -> t.set("networkPolicy.enabled", true));

        for (String component : List.of("router", "replicator")) {
            JsonNode rule = chart.get("NetworkPolicy", RELEASE + "-georeg-" + component)
                    .path("spec")
                    .path("ingress")
                    .get(0);
            assertThat(rule.has("from")).as(component).isFalse();
            assertThat(rule.path("ports").get(0).path("port").asText()).isEqualTo("http");
        }
        JsonNode readFrom = chart.get("NetworkPolicy", RELEASE + "-georeg-registry-read")
                .path("spec")
                .path("ingress")
                .get(0)
                .path("from");
        assertThat(readFrom).as("the router, and helm test's deploy gate").hasSize(2);
        assertThat(readFrom.toString()).contains("\"router\"", "\"health-test\"");
        assertThat(chart.ofKind("NetworkPolicy")).hasSize(3);
        assertThat(RenderedChart.render(null).ofKind("NetworkPolicy"))
                .as("off by default")
                .isEmpty();
    }

    @Test
    void egressRulesRestrictEgressToDnsTheReleaseAndWhatIsListed() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("networkPolicy.enabled", true)
                        .set("networkPolicy.egress[0].to[0].ipBlock.cidr", "10.20.0.0/16")
                        .set("networkPolicy.egress[0].ports[0].port", 5432));
        JsonNode spec =
                chart.get("NetworkPolicy", RELEASE + "-georeg-replicator").path("spec");

        assertThat(spec.path("policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
        JsonNode egress = spec.path("egress");
        assertThat(egress).hasSize(3);
        assertThat(egress.get(0).path("ports").findValuesAsText("port")).containsOnly("53");
        assertThat(egress.get(1)
                        .path("to")
                        .get(0)
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/instance")
                        .asText())
                .isEqualTo(RELEASE);
        assertThat(egress.get(2).toString()).contains("10.20.0.0/16").contains("5432");
    }

    @Test
    void networkPolicyWithAServiceMonitorButNoMetricsPeersIsRefused() {
        Throwable refused = catchThrowable(() -> RenderedChart.template(
                null, t -> t.set("networkPolicy.enabled", true).set("metrics.serviceMonitor.enabled", true)));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("networkPolicy.metricsFrom");
    }

    @Test
    void httpRouteSendsEveryPathOfTheRegistryHostToTheRouterWithoutATimeout() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("ingress.enabled", false)
                        .set("httpRoute.enabled", true)
                        .set("httpRoute.parentRefs[0].name", "public")
                        .set("httpRoute.parentRefs[0].namespace", "gateway-system")
                        .set("httpRoute.parentRefs[0].sectionName", "https"));
        JsonNode route = chart.get("HTTPRoute", RELEASE + "-georeg");

        assertThat(route.path("apiVersion").asText()).isEqualTo("gateway.networking.k8s.io/v1");
        JsonNode spec = route.path("spec");
        assertThat(spec.path("parentRefs").get(0).path("namespace").asText()).isEqualTo("gateway-system");
        assertThat(spec.path("hostnames").toString()).isEqualTo("[\"registry.example.com\"]");
        JsonNode rule = spec.path("rules").get(0);
        assertThat(rule.path("matches").get(0).path("path").path("type").asText())
                .isEqualTo("PathPrefix");
        assertThat(rule.path("matches").get(0).path("path").path("value").asText())
                .isEqualTo("/");
        assertThat(rule.path("backendRefs").get(0).path("name").asText()).isEqualTo(RELEASE + "-georeg-router");
        assertThat(rule.path("backendRefs").get(0).path("port").asInt()).isEqualTo(8080);
        assertThat(rule.path("timeouts").path("request").asText()).isEqualTo("0s");
        assertThat(rule.path("timeouts").path("backendRequest").asText()).isEqualTo("0s");
        assertThat(chart.ofKind("Ingress")).isEmpty();
    }

    @Test
    void httpRouteTakesItsOwnHostnamesAnnotationsLabelsAndTimeouts() {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("httpRoute.enabled", true)
                        .set("httpRoute.parentRefs[0].name", "public")
                        .set("httpRoute.hostnames[0]", "registry.eu.example.com")
                        .set("httpRoute.hostnames[1]", "registry.example.com")
                        .set("httpRoute.annotations.team", "edge")
                        .set("httpRoute.labels.gateway-tier", "public")
                        .set("httpRoute.timeouts.request", "3600s")
                        .set("httpRoute.timeouts.backendRequest", "1800s"));
        JsonNode route = chart.get("HTTPRoute", RELEASE + "-georeg");

        assertThat(route.path("spec").path("hostnames").toString())
                .isEqualTo("[\"registry.eu.example.com\",\"registry.example.com\"]");
        assertThat(route.path("metadata").path("annotations").path("team").asText())
                .isEqualTo("edge");
        assertThat(route.path("metadata").path("labels").path("gateway-tier").asText())
                .isEqualTo("public");
        assertThat(route.path("metadata")
                        .path("labels")
                        .path("app.kubernetes.io/instance")
                        .asText())
                .isEqualTo(RELEASE);
        JsonNode timeouts = route.path("spec").path("rules").get(0).path("timeouts");
        assertThat(timeouts.path("request").asText()).isEqualTo("3600s");
        assertThat(timeouts.path("backendRequest").asText()).isEqualTo("1800s");
    }

    @Test
    void httpRouteWithoutAGatewayIsRefused() {
        Throwable refused = catchThrowable(() -> RenderedChart.template(null, t -> t.set("httpRoute.enabled", true)));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("httpRoute.parentRefs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://docs.example.com/georeg", "https://git.example.com/georeg/-/blob/v0.1.0/docs"})
    void everyAlertLinksToItsOwnTroubleshootingEntry(String base) throws IOException {
        RenderedChart chart =
                RenderedChart.render("ha.yaml", t -> t.set("metrics.prometheusRule.runbookBaseUrl", base));
        String troubleshooting = Files.readString(Path.of("../docs/troubleshooting.md"));

        List<String> alerts = new ArrayList<>();
        for (JsonNode group :
                chart.get("PrometheusRule", RELEASE + "-georeg").path("spec").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (!rule.has("alert")) {
                    continue; // a recording rule (the health signals): nothing to run a book for
                }
                String alert = rule.path("alert").asText();
                alerts.add(alert);
                assertThat(rule.path("annotations").path("runbook_url").asText())
                        .as(alert)
                        .isEqualTo(base + "/troubleshooting.md#" + alert.toLowerCase(Locale.ROOT));
                assertThat(troubleshooting)
                        .as("docs/troubleshooting.md has a heading for %s (its anchor)", alert)
                        .containsPattern("(?m)^#+ " + alert + "$");
            }
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(9).contains("GeoregNotificationsRejected");
    }

    @Test
    void rejectedOrFailedNotificationsRaiseAnAlert() {
        RenderedChart chart =
                RenderedChart.render("ha.yaml", t -> t.set("metrics.prometheusRule.rejectedNotificationsPer15m", 3));

        assertThat(alertRule(chart, "GeoregNotificationsRejected").path("expr").asText())
                .contains("georeg_replication_intake_requests_total")
                // Every outcome but the two that recorded all events: the 503s are database_unavailable
                // and primary_binding_mismatch, and any outcome added later is a refusal too.
                .contains("outcome!~\"accepted|duplicate\"")
                .contains("namespace=\"" + RenderedChart.NAMESPACE + "\"")
                .contains("> 3");
    }

    @Test
    void databasePoolTimeoutsRaiseAnAlertPerPodAboveTheConfiguredCount() {
        RenderedChart chart =
                RenderedChart.render("ha.yaml", t -> t.set("metrics.prometheusRule.databasePoolTimeoutsPer15m", 2));

        JsonNode rule = alertRule(chart, "GeoregDatabasePoolTimeouts");
        assertThat(rule.path("expr").asText())
                .as("the counter HikariCP exports (docs/monitoring.md), per pod, scoped to the release's namespace")
                .contains("sum by (pod) (increase(hikaricp_connection_timeout_total{namespace=\""
                        + RenderedChart.NAMESPACE + "\"}[15m]))")
                .contains("> 2");
        assertThat(rule.path("labels").path("severity").asText()).isEqualTo("warning");
        assertThat(alertRule(RenderedChart.render("ha.yaml"), "GeoregDatabasePoolTimeouts")
                        .path("expr")
                        .asText())
                .as("by default one timed-out connection request is worth a look")
                .contains("> 0");
    }

    private static JsonNode alertRule(RenderedChart chart, String alert) {
        for (JsonNode group :
                chart.get("PrometheusRule", RELEASE + "-georeg").path("spec").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("alert").asText().equals(alert)) {
                    return rule;
                }
            }
        }
        throw new AssertionError("no alert " + alert + " in the rendered PrometheusRule");
    }
}
