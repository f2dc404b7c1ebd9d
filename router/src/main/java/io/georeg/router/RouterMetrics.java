package io.georeg.router;

import io.georeg.ops.MetricBuilders;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.proxy.UpstreamFoundDown;
import io.georeg.router.route.Destination;
import io.georeg.router.route.Route;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import io.georeg.router.route.RouteTable;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The router's Prometheus metrics, registered on the registry the app passes in (never the
 * global default): requests by route and destination, fallbacks by outcome, upstream latency
 * and errors by upstream, fence errors, and the circuit state of each upstream. The label
 * children of the per-request series are looked up once and kept (route ids, destinations and
 * upstream names are small fixed sets), so counting a request is one map lookup and an add.
 *
 * <p>Those fixed sets are exported at 0 from the start: each route with the destination its row
 * names, each read route's fallback outcomes ({@link FallbackOutcome}), and each upstream's
 * latency and errors. Prometheus's {@code rate()} and {@code increase()} see no increase in a
 * series' first sample, so a series born at its first event hid that event from the alerts and
 * the dashboard after every restart (a first fallback, a first upstream error).
 */
public final class RouterMetrics implements ProxyObserver {
    private final Counter requests;
    private final Counter fallbacks;
    private final Histogram upstreamLatency;
    private final Counter upstreamErrors;
    private final Counter upstreamAbandoned;
    private final Counter fenceErrors;
    private final Counter accessLogDropped;
    private final Map<FenceCheck, CounterDataPoint> fenceChecks = new EnumMap<>(FenceCheck.class);
    private final Histogram fenceAckWait;
    /** Whether this router's fence lease is trusted now; none until {@link #watchFenceLease}. */
    private volatile BooleanSupplier fenceLeaseTrusted = () -> false;
    /** Whether each primary's pulls bypass the replica now; none until {@link #watchReplicaBinding}. */
    private volatile Supplier<Map<String, Boolean>> replicaBypassed = Map::of;

    /** How a read's fences were checked ({@code georeg_router_fence_checks_total}'s {@code by}). */
    public enum FenceCheck {
        /** In the fence view, with a trusted lease: no query. */
        MEMORY,
        /** In the fence view, after the fence generation query. */
        QUERY,
        /** In the table: the view is not live. */
        TABLE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The {@code outcome} labels of {@code georeg_router_fallbacks_total}, exported at 0 for every
     * route whose reads go to the replica (docs/monitoring.md says what each means).
     */
    public enum FallbackOutcome {
        /** Answered from the primary. */
        PRIMARY,
        /** Not sent to the primary: it was down. */
        PRIMARY_UNREACHABLE,
        /** Not sent to the primary: the client's token is one of this site's outage tokens. */
        OUTAGE_TOKEN,
        /** Sent to the primary, which had not started to answer when it was found down: asked of the replica. */
        PRIMARY_LOST;

        private final String label = name().toLowerCase(Locale.ROOT).replace('_', '-');

        public String label() {
            return label;
        }
    }

    /** The {@code phase} labels of the upstream errors: before the upstream's answer began, or during it. */
    private static final List<String> PHASES = List.of("request", "response");

    private final Map<RouteId, Map<String, CounterDataPoint>> requestsByRoute = new ConcurrentHashMap<>();
    private final Map<String, DistributionDataPoint> latencyByUpstream = new ConcurrentHashMap<>();

    /**
     * @param circuits the upstreams (their names label the upstream metrics)
     * @param routes the route table, whose rows label the request and fallback metrics
     */
    public RouterMetrics(PrometheusRegistry registry, List<CircuitBreaker> circuits, RouteTable routes) {
        requests = MetricBuilders.counter()
                .name("georeg_router_requests_total")
                .help(
                        "Requests by route id and destination (primary, replica, primary-fallback, primary-fenced, auth, local, reject)")
                .labelNames("route", "destination")
                .register(registry);
        fallbacks = MetricBuilders.counter()
                .name("georeg_router_fallbacks_total")
                .help("Replica misses answered from the primary, misses not sent there because the primary was down,"
                        + " and reads the primary had not answered when it was found down, asked of the replica"
                        + " instead (primary-lost)")
                .labelNames("route", "outcome")
                .register(registry);
        upstreamLatency = MetricBuilders.histogram()
                .name("georeg_router_upstream_latency_seconds")
                .help("Time from sending a request upstream to its status and headers")
                .unit(Unit.SECONDS)
                .classicOnly() // on every request: no native-histogram bucket maps to update
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .labelNames("upstream")
                .register(registry);
        upstreamErrors = MetricBuilders.counter()
                .name("georeg_router_upstream_errors_total")
                .help("Upstream exchanges that failed (connect, timeout, reset), by upstream and phase")
                .labelNames("upstream", "phase")
                .register(registry);
        for (Route row : routes.allRows()) {
            requestsByRoute
                    .computeIfAbsent(row.id(), r -> new ConcurrentHashMap<>())
                    .computeIfAbsent(
                            row.destination().label(),
                            d -> requests.labelValues(row.id().label(), d));
            if (row.destination() == Destination.REPLICA) {
                for (FallbackOutcome outcome : FallbackOutcome.values()) {
                    fallbacks.labelValues(row.id().label(), outcome.label());
                }
            }
        }
        for (CircuitBreaker circuit : circuits) {
            latencyByUpstream.computeIfAbsent(circuit.upstream(), upstreamLatency::labelValues);
            for (String phase : PHASES) {
                upstreamErrors.labelValues(circuit.upstream(), phase);
            }
        }
        upstreamAbandoned = MetricBuilders.counter()
                .name("georeg_router_upstream_abandoned_total")
                .help("Exchanges given up because their upstream was found down while they waited on it: phase"
                        + " request (no answer yet: a read asked of the replica, anything else answered 503),"
                        + " response (its body had stopped coming: the client's connection closed)")
                .labelNames("upstream", "phase")
                .register(registry);
        fenceErrors = MetricBuilders.counter()
                .name("georeg_router_fence_errors_total")
                .help("Read-your-writes fences that could not be recorded or checked (database errors)")
                .register(registry);
        accessLogDropped = MetricBuilders.counter()
                .name("georeg_router_access_log_dropped_total")
                .help("Access log lines dropped because the writer could not keep up or the file could not be written")
                .register(registry);
        Counter checks = MetricBuilders.counter()
                .name("georeg_router_fence_checks_total")
                .help("Reads whose write fences were checked, by how: memory (trusted fence lease, no query),"
                        + " query (fence generation query first), table (fence view down)")
                .labelNames("by")
                .register(registry);
        for (FenceCheck c : FenceCheck.values()) {
            fenceChecks.put(c, checks.labelValues(c.label()));
        }
        fenceAckWait = MetricBuilders.histogram()
                .name("georeg_router_fence_ack_wait_seconds")
                .help("Time a write's answer waited, after its fences committed, for the other routers' fence views"
                        + " to ack them")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_fence_lease_trusted")
                .help("1 while this router's fence lease is trusted (reads check fences in memory), else 0")
                .callback(cb -> cb.call(fenceLeaseTrusted.getAsBoolean() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_replica_bypassed")
                .help("1 while pulls of the primary are answered by the primary because the tracking database"
                        + " replicates another primary or has not caught up with it (replica_primaries), else 0")
                .labelNames("primary")
                .callback(cb -> replicaBypassed.get().forEach((primary, on) -> cb.call(on ? 1 : 0, primary)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_circuit_open")
                .help("1 while the router considers the upstream unreachable, else 0")
                .labelNames("upstream")
                .callback(cb -> circuits.forEach(c -> cb.call(c.isOpen() ? 1 : 0, c.upstream())))
                .register(registry);
    }

    /** Access log lines dropped ({@link AccessLog}). */
    void accessLogDropped(long lines) {
        accessLogDropped.inc(lines);
    }

    /** A request classified and sent to {@code destination}: counted, and noted for its access log line. */
    void routed(RequestRecord record, RouteMatch match, String destination) {
        record.routed(match.routeId(), destination);
        requestsByRoute
                .computeIfAbsent(match.routeId(), r -> new ConcurrentHashMap<>())
                .computeIfAbsent(
                        destination, d -> requests.labelValues(match.routeId().label(), d))
                .inc();
    }

    /** A read that fell back, or could not. */
    public void fallback(RouteId routeId, FallbackOutcome outcome) {
        fallbacks.labelValues(routeId.label(), outcome.label()).inc();
    }

    public void fenceError() {
        fenceErrors.inc();
    }

    /** A read's fences checked {@code by} that way. */
    void fenceChecked(FenceCheck by) {
        fenceChecks.get(by).inc();
    }

    /** A write's answer waited this long for the other routers' acks. */
    void fenceAckWaited(long nanos) {
        fenceAckWait.observe(nanos / 1e9);
    }

    /** Where {@code georeg_router_replica_bypassed} reads from, once the binding is read. */
    void watchReplicaBinding(Supplier<Map<String, Boolean>> bypassed) {
        this.replicaBypassed = bypassed;
    }

    /** Where {@code georeg_router_fence_lease_trusted} reads from, once the lease exists. */
    void watchFenceLease(BooleanSupplier trusted) {
        this.fenceLeaseTrusted = trusted;
    }

    @Override
    public void onServerToProxyHeaders(Upstream upstream, int status, long nanos) {
        latencyByUpstream
                .computeIfAbsent(upstream.name(), upstreamLatency::labelValues)
                .observe(nanos / 1e9);
    }

    @Override
    public void onUpstreamFailure(Upstream upstream, Throwable failure, boolean beforeResponse) {
        (failure instanceof UpstreamFoundDown ? upstreamAbandoned : upstreamErrors)
                .labelValues(upstream.name(), PHASES.get(beforeResponse ? 0 : 1))
                .inc();
    }
}
