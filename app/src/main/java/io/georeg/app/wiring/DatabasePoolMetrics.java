package io.georeg.app.wiring;

import io.georeg.db.Database;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The tracking database's HikariCP pool as gauges read at scrape time: connections in use and
 * idle, the pool's maximum, and threads waiting for a connection (a pool at its maximum with
 * waiters is what makes requests and copies slow before they time out). Registered by
 * {@link Resources} when it opens the pool.
 */
public final class DatabasePoolMetrics {
    private DatabasePoolMetrics() {}

    public static void register(PrometheusRegistry registry, Database database) {
        GaugeWithCallback.builder()
                .name("georeg_db_pool_connections")
                .help("Connections of the tracking database pool: active (in use), idle, max (the pool's limit)")
                .labelNames("state")
                .callback(callback -> database.poolStats().ifPresent(stats -> {
                    callback.call(stats.active(), "active");
                    callback.call(stats.idle(), "idle");
                    callback.call(stats.max(), "max");
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_db_pool_waiting_threads")
                .help("Threads waiting for a connection of the tracking database pool")
                .callback(callback -> database.poolStats().ifPresent(stats -> callback.call(stats.waiting())))
                .register(registry);
    }
}
