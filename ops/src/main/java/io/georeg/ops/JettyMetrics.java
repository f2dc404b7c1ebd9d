package io.georeg.ops;

import static com.codahale.metrics.MetricRegistry.name;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dropwizard.metrics.jetty12.InstrumentedConnectionFactory;
import io.dropwizard.metrics.jetty12.InstrumentedQueuedThreadPool;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty servers' thread pools and connections of one process, measured by Dropwizard's Jetty 12
 * instrumentation and exported by the Prometheus client's Dropwizard module under Dropwizard's
 * names, the listener ({@code router}, {@code registry-read}, {@code replicator}) lifted from the
 * name into a {@code listener} label: {@code org_eclipse_jetty_util_thread_QueuedThreadPool_*}
 * (threads, busy share of the pool and of its limit, jobs queued for a thread) and
 * {@code org_eclipse_jetty_server_HttpConnectionFactory_*} (open connections, connection
 * durations). The components build their public listener's pool and connection factory here
 * ({@code ComponentHttpServer}, the router); a pool reports while it runs. One instance per
 * Prometheus registry ({@link #of}).
 */
public final class JettyMetrics {
    private static final Map<PrometheusRegistry, JettyMetrics> BY_REGISTRY = new WeakHashMap<>();
    private static final String POOL = QueuedThreadPool.class.getName();
    private static final String CONNECTIONS = HttpConnectionFactory.class.getName();
    /** {@code <class>.<listener>.<metric>} → {@code <class>.<metric>{listener="<listener>"}}. */
    private static final CustomLabelMapper LISTENER_AS_LABEL = new CustomLabelMapper(List.of(
            new MapperConfig(POOL + ".*.*", POOL + ".${1}", Map.of("listener", "${0}")),
            new MapperConfig(CONNECTIONS + ".*.*", CONNECTIONS + ".${1}", Map.of("listener", "${0}"))));

    private final MetricRegistry dropwizard = new MetricRegistry();
    /** Per listener, shared by every connection factory of that name (as the registry's counter was). */
    private final Map<String, Counter> openConnections = new ConcurrentHashMap<>();

    private JettyMetrics(PrometheusRegistry registry) {
        DropwizardExports.builder()
                .dropwizardRegistry(dropwizard)
                .customLabelMapper(LISTENER_AS_LABEL)
                .register(registry);
    }

    /** The process's instance for this registry, registering its exporter on first use. */
    public static synchronized JettyMetrics of(PrometheusRegistry registry) {
        return BY_REGISTRY.computeIfAbsent(registry, JettyMetrics::new);
    }

    /**
     * A thread pool named {@code listener} whose gauges are registered when it starts and removed
     * when it stops; one running pool per listener name and registry.
     */
    public QueuedThreadPool threadPool(String listener, int maxThreads, int minThreads) {
        QueuedThreadPool pool = new InstrumentedQueuedThreadPool(dropwizard, maxThreads, minThreads);
        pool.setName(listener);
        return pool;
    }

    /**
     * {@code factory} counting the open connections of {@code listener} and timing each one. The
     * instrumentation counts open connections in a Dropwizard counter, which the exporter would
     * publish as a Prometheus counter ({@code _total}) although it goes down as connections close
     * (a {@code rate()} of it reads every close as a reset); so that counter stays out of the
     * registry and a gauge reading it is published instead.
     */
    public ConnectionFactory connections(String listener, ConnectionFactory factory) {
        Counter open = openConnections.computeIfAbsent(listener, this::openConnectionsGauge);
        return new InstrumentedConnectionFactory(
                factory, dropwizard.timer(name(CONNECTIONS, listener, "connections")), open);
    }

    private Counter openConnectionsGauge(String listener) {
        Counter open = new Counter();
        dropwizard.register(name(CONNECTIONS, listener, "active-connections"), (Gauge<Long>) open::getCount);
        return open;
    }
}
