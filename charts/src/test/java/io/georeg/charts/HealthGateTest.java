package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deploy gate in the chart: {@code helm test}'s Pod runs {@code georeg health} against the
 * release's three Services with the {@code deployGate.*} thresholds, the recording rules give each
 * component's rate, error ratio, apdex and gate state, and every component's config carries the
 * apdex thresholds. Helm's template API leaves hooks out of the manifest, so the Pod's content is
 * checked with {@code deployGate.test.hook=false} (the same template, without the hook annotation),
 * and the hook by the Pod's absence from the default manifest.
 */
class HealthGateTest {

    @Test
    void helmTestRunsTheGateAgainstEveryComponentWithTheConfiguredThresholds() {
        RenderedChart chart = RenderedChart.render(
                "ha.yaml", t -> t.set("deployGate.test.hook", false).set("deployGate.window", "1m"));
        JsonNode pod = chart.get("Pod", RELEASE + "-georeg-health");
        List<String> args = new ArrayList<>();
        pod.path("spec").path("containers").get(0).path("args").forEach(a -> args.add(a.asText()));

        assertThat(args)
                .containsExactly(
                        "health",
                        "--url=http://" + RELEASE + "-georeg-router-operator:8090",
                        "--url=http://" + RELEASE + "-georeg-registry-read:5000",
                        "--url=http://" + RELEASE + "-georeg-replicator:8081",
                        "--window=1m",
                        "--max-error-ratio=0.01",
                        "--min-apdex=0.9",
                        "--max-lag=5m",
                        "--max-failed=0",
                        "--min-requests=10");
        assertThat(pod.path("spec").path("restartPolicy").asText()).isEqualTo("Never");
        assertThat(pod.path("metadata").path("annotations").has("helm.sh/hook")).isFalse();
    }

    @Test
    void theTestPodIsAHelmTestHook() {
        assertThat(RenderedChart.render("ha.yaml").has("Pod", RELEASE + "-georeg-health"))
                .as("a hook: left out of the release manifest")
                .isFalse();
        assertThat(RenderedChart.render(
                                "ha.yaml",
                                t -> t.set("deployGate.test.hook", false).set("deployGate.test.enabled", false))
                        .ofKind("Pod"))
                .isEmpty();
    }

    @Test
    void recordingRulesGiveEachComponentsRateErrorRatioApdexAndGateState() {
        RenderedChart chart = RenderedChart.render("ha.yaml", t -> t.set("metrics.prometheusRule.enabled", true));
        List<String> records = new ArrayList<>();
        StringBuilder expressions = new StringBuilder();
        for (JsonNode group :
                chart.get("PrometheusRule", RELEASE + "-georeg").path("spec").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("record")) {
                    records.add(rule.path("record").asText());
                    expressions.append(rule.path("expr").asText());
                }
            }
        }
        assertThat(records)
                .containsExactly(
                        "georeg:http_requests:rate5m",
                        "georeg:http_errors:ratio_rate5m",
                        "georeg:apdex:ratio_rate5m",
                        "georeg:deployment_health:component");
        assertThat(expressions.toString())
                .contains("georeg_http_requests_total", "georeg_http_apdex_total", "<= bool 0.01", ">= bool 0.9")
                .contains("namespace=\"" + RenderedChart.NAMESPACE + "\"");
    }

    @Test
    void everyComponentsConfigCarriesTheApdexThresholds() {
        RenderedChart chart = RenderedChart.render("ha.yaml", t -> t.set("metrics.apdex.satisfied", "400ms"));
        for (String component : List.of("router", "registry-read", "replicator")) {
            JsonNode apdex = chart.config(component).path("metrics").path("apdex");
            assertThat(apdex.path("satisfied").asText()).as(component).isEqualTo("400ms");
            assertThat(apdex.path("tolerated").asText()).as(component).isEqualTo("1s");
        }
    }
}
