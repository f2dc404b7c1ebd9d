package io.georeg.ops;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Gauges of the Jetty servers of one process, by listener name ({@code router},
 * {@code registry-read}, {@code replicator}, …), read from the servers at scrape time: threads
 * busy, idle and at most (a pool at its maximum queues requests), jobs queued for a thread, and
 * open connections. One instance per registry ({@link #of}); every component adds the servers it
 * starts ({@code ComponentHttpServer}, the router) and removes them when it stops.
 */
public final class JettyMetrics {
    private static final Map<PrometheusRegistry, JettyMetrics> BY_REGISTRY = new WeakHashMap<>();
    private final Map<String, Server> servers = new ConcurrentHashMap<>();

    private JettyMetrics(PrometheusRegistry registry) {
        GaugeWithCallback.builder()
                .name("georeg_http_threads")
                .help("Threads of a listener's Jetty pool: busy, idle, and the pool's maximum")
                .labelNames("listener", "state")
                .callback(callback -> servers.forEach((listener, server) -> {
                    if (server.getThreadPool() instanceof QueuedThreadPool pool) {
                        callback.call(pool.getBusyThreads(), listener, "busy");
                        callback.call(pool.getIdleThreads(), listener, "idle");
                        callback.call(pool.getMaxThreads(), listener, "max");
                    }
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_http_queued_jobs")
                .help("Jobs (requests, I/O) of a listener waiting for a free thread")
                .labelNames("listener")
                .callback(callback -> servers.forEach((listener, server) -> {
                    if (server.getThreadPool() instanceof QueuedThreadPool pool) {
                        callback.call(pool.getQueueSize(), listener);
                    }
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_http_connections")
                .help("Open client connections of a listener")
                .labelNames("listener")
                .callback(callback -> servers.forEach((listener, server) -> {
                    int open = 0;
                    for (Connector connector : server.getConnectors()) {
                        if (connector instanceof AbstractConnector c) {
                            open += c.getConnectedEndPoints().size();
                        }
                    }
                    callback.call(open, listener);
                }))
                .register(registry);
    }

    /** The process's instance for this registry, registering its gauges on first use. */
    public static synchronized JettyMetrics of(PrometheusRegistry registry) {
        return BY_REGISTRY.computeIfAbsent(registry, JettyMetrics::new);
    }

    /** Reports {@code server} as {@code listener} from now on (replacing an earlier server of that name). */
    public void add(String listener, Server server) {
        servers.put(listener, server);
    }

    /** Stops reporting {@code server}, if it is the one reported as {@code listener}. */
    public void remove(String listener, Server server) {
        servers.remove(listener, server);
    }
}
