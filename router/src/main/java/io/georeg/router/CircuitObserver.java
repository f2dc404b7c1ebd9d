package io.georeg.router;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.Upstream;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** Metrics for every exchange, and connect failures and time-outs count against the upstream's circuit. */
final class CircuitObserver implements ProxyObserver {
    private final RouterMetrics metrics;
    private final Upstream replica;
    private final CircuitBreaker primaryCircuit;
    private final CircuitBreaker replicaCircuit;

    /** @param replica the replica's upstream; every other upstream is the primary site's */
    CircuitObserver(RouterMetrics metrics, Upstream replica, CircuitBreaker primaryCircuit, CircuitBreaker replicaCircuit) {
        this.metrics = metrics;
        this.replica = replica;
        this.primaryCircuit = primaryCircuit;
        this.replicaCircuit = replicaCircuit;
    }

    @Override
    public void onServerToProxyHeaders(Upstream upstream, int status, long nanos) {
        metrics.onServerToProxyHeaders(upstream, status, nanos);
    }

    @Override
    public void onUpstreamFailure(Upstream upstream, Throwable failure, boolean beforeResponse) {
        metrics.onUpstreamFailure(upstream, failure, beforeResponse);
        if (beforeResponse && (failure instanceof ConnectException || failure instanceof TimeoutException)) {
            CircuitBreaker circuit = upstream == replica ? replicaCircuit : primaryCircuit;
            circuit.recordFailure(upstream.name() + ": " + failure);
        }
    }
}
