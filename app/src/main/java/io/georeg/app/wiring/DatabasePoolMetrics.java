package io.georeg.app.wiring;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.prometheus.PrometheusHistogramMetricsTrackerFactory;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.simpleclient.bridge.SimpleclientCollector;

/**
 * The tracking database pool's metrics as HikariCP itself names them ({@code hikaricp_*}, label
 * {@code pool}): connections active, idle, pending threads and the pool's limits at scrape time,
 * and histograms of the time to acquire a connection, how long one is held and how long one takes
 * to open, with a counter of acquisitions that timed out. HikariCP's tracker is written for the
 * Prometheus simpleclient: it reports into a registry of its own, which the client's simpleclient
 * bridge adds to the process's registry. Histograms rather than HikariCP's summaries: they
 * aggregate across pods and take no lock per observation. HikariCP keeps the histograms in static
 * fields, by pool name: one pool per process, as {@code georeg serve} has. Used by
 * {@link Resources} when it opens the pool.
 */
public final class DatabasePoolMetrics {
    private DatabasePoolMetrics() {}

    /** A tracker factory for one pool whose metrics {@code registry} serves. */
    public static MetricsTrackerFactory register(PrometheusRegistry registry) {
        CollectorRegistry hikari = new CollectorRegistry();
        SimpleclientCollector.builder().collectorRegistry(hikari).register(registry);
        return new PrometheusHistogramMetricsTrackerFactory(hikari);
    }
}
