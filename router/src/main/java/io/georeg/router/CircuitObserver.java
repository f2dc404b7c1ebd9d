package io.georeg.router;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.Upstream;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Metrics for every exchange, and connect failures and time-outs count against the upstream's
 * circuit: the primary's only while the exchange went to the primary it stands for now.
 */
final class CircuitObserver implements ProxyObserver {
    private final RouterMetrics metrics;
    private final Upstream replica;
    private final CircuitBreaker primaryCircuit;
    private final CircuitBreaker replicaCircuit;
    private final Upstream tokenService;
    private final CircuitBreaker tokenServiceCircuit;
    private final Supplier<Upstream> primary;

    /**
     * @param replica      the replica's upstream
     * @param tokenService the primary's token service ({@code router.authUrl}) with its own circuit,
     *                     or null; every other upstream is the primary site's registry
     * @param primary      the primary's registry now (a promotion switches it): a request sent to
     *                     the one before, whose connect fails after the switch, speaks of that one
     */
    CircuitObserver(
            RouterMetrics metrics,
            Upstream replica,
            CircuitBreaker primaryCircuit,
            CircuitBreaker replicaCircuit,
            Upstream tokenService,
            CircuitBreaker tokenServiceCircuit,
            Supplier<Upstream> primary) {
        this.metrics = metrics;
        this.replica = replica;
        this.primaryCircuit = primaryCircuit;
        this.replicaCircuit = replicaCircuit;
        this.tokenService = tokenService;
        this.tokenServiceCircuit = tokenServiceCircuit;
        this.primary = primary;
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
            if (circuit == primaryCircuit && !upstream.equals(primary.get())) {
                // The old primary, dead as a promotion expects: the circuit now stands for the new one.
                return;
            }
            circuit.recordFailure(upstream.name() + ": " + failure);
        }
    }
}
