package io.georeg.replicator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.ops.OperationsHandler;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.testing.JettyServers;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
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
            metrics.requestHandled("unauthorized", 0);
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
}
