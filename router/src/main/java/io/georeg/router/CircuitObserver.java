package io.georeg.router;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.Upstream;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * Metrics for every exchange, and connect failures and time-outs count against the upstream's
 * circuit, recorded with the origin the exchange went to: the primary's circuit drops those of a
 * primary a promotion switched away from ({@link CircuitBreaker#recordFailure(java.net.URI, String)}).
 */
final class CircuitObserver implements ProxyObserver {
    private final RouterMetrics metrics;
    private final Upstream replica;
    private final CircuitBreaker primaryCircuit;
    private final CircuitBreaker replicaCircuit;
    private final Upstream tokenService;
    private final CircuitBreaker tokenServiceCircuit;

    /**
     * @param replica      the replica's upstream
     * @param tokenService the primary's token service ({@code router.authUrl}) with its own circuit,
     *                     or null; every other upstream is the primary site's registry
     */
    CircuitObserver(
            RouterMetrics metrics,
            Upstream replica,
            CircuitBreaker primaryCircuit,
            CircuitBreaker replicaCircuit,
            Upstream tokenService,
            CircuitBreaker tokenServiceCircuit) {
        this.metrics = metrics;
        this.replica = replica;
        this.primaryCircuit = primaryCircuit;
        this.replicaCircuit = replicaCircuit;
        this.tokenService = tokenService;
        this.tokenServiceCircuit = tokenServiceCircuit;
    }

    @Override
    public void onServerToProxyHeaders(Upstream upstream, int status, long nanos) {
        metrics.onServerToProxyHeaders(upstream, status, nanos);
    }

    @Override
    public void onUpstreamFailure(Upstream upstream, Throwable failure, boolean beforeResponse) {
        metrics.onUpstreamFailure(upstream, failure, beforeResponse);
        if (beforeResponse && (failure instanceof ConnectException || failure instanceof TimeoutException)) {
            // A dead token service says nothing about the registry, and the other way round.
            CircuitBreaker circuit = upstream == replica
                    ? replicaCircuit
                    : tokenService != null && upstream == tokenService ? tokenServiceCircuit : primaryCircuit;
            circuit.recordFailure(upstream.origin(), upstream.name() + ": " + failure);
        }
    }
}
