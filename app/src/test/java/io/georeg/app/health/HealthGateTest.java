package io.georeg.app.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthGateTest {
    private static final HealthGate.Thresholds LIMITS =
            new HealthGate.Thresholds(0.01, 0.9, Duration.ofMinutes(5), 0, 10);

    private static Samples page(double ok, double errors, double satisfied, double tolerating, double frustrated) {
        return Samples.parse(String.join(
                "\n",
                "# TYPE georeg_http_requests_total counter",
                "georeg_http_requests_total{component=\"router\",code=\"2xx\"} " + ok,
                "georeg_http_requests_total{component=\"router\",code=\"5xx\"} " + errors,
                "georeg_http_apdex_total{component=\"router\",zone=\"satisfied\"} " + satisfied,
                "georeg_http_apdex_total{component=\"router\",zone=\"tolerating\"} " + tolerating,
                "georeg_http_apdex_total{component=\"router\",zone=\"frustrated\"} " + frustrated,
                "georeg_build_info{version=\"0.2.0\",revision=\"1a2b3c4\",java=\"25+36-LTS \\\"x\\\"\"} 1",
                ""));
    }

    private static HealthGate.Signal signal(HealthGate.Verdict v, String name) {
        return v.signals().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void onlyTheWindowCountsAndAHealthyWindowPasses() {
        Samples before = page(1000, 500, 500, 0, 1000); // a bad history before the window
        Samples after = page(1100, 500, 590, 10, 1000);
        HealthGate.Verdict v = HealthGate.judge(before, after, Duration.ofSeconds(10), LIMITS);
        assertThat(signal(v, "requests").value()).isEqualTo(100);
        assertThat(signal(v, "rate_per_second").value()).isEqualTo(10);
        assertThat(signal(v, "error_ratio").value()).isZero();
        assertThat(signal(v, "apdex").value()).isEqualTo(0.95);
        assertThat(v.passed()).isTrue();
    }

    @Test
    void errorsOrSlowAnswersAboveTheirThresholdsCloseTheGate() {
        Samples before = page(0, 0, 0, 0, 0);
        HealthGate.Verdict errors = HealthGate.judge(before, page(95, 5, 95, 0, 5), Duration.ofSeconds(10), LIMITS);
        assertThat(signal(errors, "error_ratio").passed()).isFalse();
        assertThat(errors.passed()).isFalse();
        HealthGate.Verdict slow = HealthGate.judge(before, page(100, 0, 50, 40, 10), Duration.ofSeconds(10), LIMITS);
        assertThat(signal(slow, "apdex").value()).isEqualTo(0.7);
        assertThat(slow.passed()).isFalse();
    }

    @Test
    void tooFewRequestsAreReportedNotJudged() {
        HealthGate.Verdict v =
                HealthGate.judge(page(0, 0, 0, 0, 0), page(1, 2, 0, 0, 3), Duration.ofSeconds(10), LIMITS);
        assertThat(signal(v, "error_ratio").judged()).isFalse();
        assertThat(v.passed()).isTrue();
    }

    @Test
    void replicationLagAndWorkGivenUpInTheWindowAreJudged() {
        Samples before = Samples.parse("georeg_replication_failures_total{reason=\"x\",final=\"true\"} 4\n"
                + "georeg_replication_oldest_pending_seconds 0\n");
        Samples after = Samples.parse("georeg_replication_failures_total{reason=\"x\",final=\"true\"} 5\n"
                + "georeg_replication_failures_total{reason=\"x\",final=\"false\"} 9\n"
                + "georeg_replication_oldest_pending_seconds 400\n"
                + "georeg_replication_queue_items{state=\"failed\"} 5\n");
        HealthGate.Verdict v = HealthGate.judge(before, after, Duration.ofSeconds(10), LIMITS);
        assertThat(signal(v, "lag_seconds").passed()).isFalse();
        assertThat(signal(v, "failed_work").value()).isEqualTo(1);
        assertThat(v.passed()).isFalse();

        HealthGate.Verdict lifetime = HealthGate.judge(new Samples(List.of()), after, Duration.ZERO, LIMITS);
        assertThat(signal(lifetime, "failed_work").value())
                .as("without a window: the items failed now")
                .isEqualTo(5);
    }

    @Test
    void withSeveralPrimariesTheLagIsTheOldestPrimarysAndFailuresAreSummed() {
        Samples after =
                Samples.parse("georeg_replication_failures_total{reason=\"x\",final=\"true\",primary=\"cell-a\"} 1\n"
                        + "georeg_replication_failures_total{reason=\"x\",final=\"true\",primary=\"cell-b\"} 2\n"
                        + "georeg_replication_oldest_pending_seconds{primary=\"cell-a\"} 200\n"
                        + "georeg_replication_oldest_pending_seconds{primary=\"cell-b\"} 250\n");
        HealthGate.Verdict v = HealthGate.judge(new Samples(List.of()), after, Duration.ofSeconds(10), LIMITS);
        assertThat(signal(v, "lag_seconds").value())
                .as("the recovery point of the primary furthest behind, not the sum")
                .isEqualTo(250);
        assertThat(signal(v, "lag_seconds").passed()).isTrue();
        assertThat(signal(v, "failed_work").value()).isEqualTo(3);
    }
}
