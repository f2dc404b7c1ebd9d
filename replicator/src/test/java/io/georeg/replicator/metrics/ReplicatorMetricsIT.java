package io.georeg.replicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.NamespaceOwners;
import io.georeg.oci.RepositoryName;
import io.georeg.ops.OperationsHandler;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.intake.IntakeOutcome;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkKind;
import io.georeg.replicator.queue.WorkOperation;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.testing.JettyServers;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The replicator's metrics as a scrape of the operations endpoint shows them. */
class ReplicatorMetricsIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @Test
    void metricsEndpointReportsTheSharedQueueReadAtScrapeTime() throws Exception {
        try (Database database = ReplicatorDatabase.start(DB);
                HttpClient http = HttpClient.newHttpClient()) {
            WorkQueue queue = new WorkQueue(database);
            PrometheusRegistry registry = new PrometheusRegistry();
            ReplicatorMetrics metrics = new ReplicatorMetrics(registry, queue);
            metrics.intakeOf(PrimarySource.SINGLE).requestHandled(IntakeOutcome.UNAUTHORIZED, 0);
            queue.enqueue(List.of(WorkRequest.blobPush(
                    RepositoryName.of("team/app"),
                    Digest.sha256("b".getBytes(StandardCharsets.UTF_8)),
                    1,
                    Instant.now().minusSeconds(30),
                    "test")));
            Server server = JettyServers.start(new OperationsHandler(registry, List.of()));
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + JettyServers.port(server) + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
                assertThat(r.body())
                        .contains("georeg_replication_queue_items{state=\"pending\"} 1.0")
                        .contains("georeg_replication_intake_requests_total{outcome=\"unauthorized\"} 1.0");
                double oldest = r.body()
                        .lines()
                        .filter(l -> l.startsWith("georeg_replication_oldest_pending_seconds "))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
                        .findFirst()
                        .orElseThrow();
                assertThat(oldest).isGreaterThanOrEqualTo(29.0);
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void withSeveralPrimariesTheQueueLagAndIntakeAreReportedPerPrimary() throws Exception {
        try (TestDatabase own = TestDatabase.create(); // a queue of this test's items only
                Database database = ReplicatorDatabase.start(own)) {
            WorkQueue queue = new WorkQueue(database);
            PrometheusRegistry registry = new PrometheusRegistry();
            ReplicatorMetrics metrics = new ReplicatorMetrics(
                    registry, queue, new NamespaceOwners(Map.of("acme", "cell-a", "globex", "cell-b"), null));
            metrics.intakeOf("cell-b").requestHandled(IntakeOutcome.ACCEPTED, 3);
            queue.enqueue(List.of(
                    WorkRequest.blobPush(
                            RepositoryName.of("acme/app"),
                            blob("a"),
                            1,
                            Instant.now().minusSeconds(600),
                            "test"),
                    WorkRequest.blobPush(
                            RepositoryName.of("globex/app"),
                            blob("g"),
                            1,
                            Instant.now().minusSeconds(5),
                            "test"),
                    WorkRequest.blobPush(RepositoryName.of("initech/app"), blob("i"), 1, Instant.now(), "test")));
            metrics.applied(item("globex/app"), Duration.ofSeconds(2));
            metrics.attemptFailed(item("acme/app"), FailureReason.PRIMARY_UNAVAILABLE, WorkState.PENDING);

            String scrape = scrape(registry);

            assertThat(scrape)
                    .contains("georeg_replication_queue_items{primary=\"cell-a\",state=\"pending\"} 1.0")
                    .contains("georeg_replication_queue_items{primary=\"cell-b\",state=\"pending\"} 1.0")
                    .contains("georeg_replication_queue_items{primary=\"(none)\",state=\"pending\"} 1.0")
                    .contains("georeg_replication_intake_requests_total{outcome=\"accepted\",primary=\"cell-b\"} 1.0")
                    .contains("georeg_replication_intake_events_total{primary=\"cell-b\"} 3.0")
                    .contains("georeg_replication_lag_seconds_count{primary=\"cell-b\"} 1")
                    .contains("georeg_replication_items_applied_total{operation=\"push_blob\",primary=\"cell-b\"} 1.0")
                    .contains(
                            "georeg_replication_failures_total{final=\"false\",primary=\"cell-a\",reason=\"primary_unavailable\"} 1.0");
            assertThat(gauge(scrape, "georeg_replication_oldest_pending_seconds{primary=\"cell-a\"}"))
                    .isGreaterThanOrEqualTo(599.0);
            assertThat(gauge(scrape, "georeg_replication_oldest_pending_seconds{primary=\"cell-b\"}"))
                    .isBetween(4.0, 599.0);
        }
    }

    /**
     * The failures alert is an {@code increase()}, blind to a series' first sample: every reason
     * must be there at 0 before anything failed, or the first failures of a reason after a restart
     * are not seen (one digest mismatch: none; a burst of five: four).
     */
    @Test
    void everyFailureReasonAndOperationIsExportedAtZeroBeforeAnythingHappened() throws Exception {
        try (TestDatabase own = TestDatabase.create();
                Database database = ReplicatorDatabase.start(own)) {
            WorkQueue queue = new WorkQueue(database);
            PrometheusRegistry one = new PrometheusRegistry();
            new ReplicatorMetrics(one, queue);
            PrometheusRegistry several = new PrometheusRegistry();
            new ReplicatorMetrics(
                    several, queue, new NamespaceOwners(Map.of("acme", "cell-a", "globex", "cell-b"), null));

            String single = scrape(one);
            String cells = scrape(several);
            for (FailureReason reason : FailureReason.values()) {
                for (String last : List.of("false", "true")) {
                    assertThat(gauge(
                                    single,
                                    "georeg_replication_failures_total{final=\"%s\",reason=\"%s\"}"
                                            .formatted(last, reason.label())))
                            .isZero();
                    for (String primary : List.of("cell-a", "cell-b")) {
                        assertThat(gauge(
                                        cells,
                                        "georeg_replication_failures_total{final=\"%s\",primary=\"%s\",reason=\"%s\"}"
                                                .formatted(last, primary, reason.label())))
                                .isZero();
                    }
                }
            }
            assertThat(gauge(
                            cells,
                            "georeg_replication_failures_total{final=\"true\",primary=\"(none)\",reason=\"no_owner\"}"))
                    .as("the items of a repository no primary owns fail with no_owner")
                    .isZero();
            for (WorkOperation operation : WorkOperation.values()) {
                assertThat(gauge(
                                single,
                                "georeg_replication_items_applied_total{operation=\"%s\"}"
                                        .formatted(operation.column())))
                        .isZero();
            }
        }
    }

    private static Digest blob(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }

    private static WorkItem item(String repository) {
        return new WorkItem(
                1,
                RepositoryName.of(repository),
                WorkKind.DIGEST,
                blob(repository).toString(),
                WorkOperation.PUSH_BLOB,
                Optional.of(blob(repository)),
                Optional.empty(),
                1,
                1,
                1,
                Instant.now(),
                "test");
    }

    private static String scrape(PrometheusRegistry registry) throws Exception {
        Server server = JettyServers.start(new OperationsHandler(registry, List.of()));
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + JettyServers.port(server) + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } finally {
            server.stop();
        }
    }

    private static double gauge(String scrape, String series) {
        return scrape.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + series + " in\n" + scrape));
    }
}
