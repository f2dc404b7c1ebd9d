package io.georeg.router;

import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.ReplicaDecision;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ExchangeTimeouts;
import io.georeg.router.proxy.InProcessDispatch;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The read replica as reads reach it: registry-read's handler in this process when the router
 * hosts it (no loopback hop), else proxied to its URL. Either way its answer passes the read's
 * {@link ReplicaDecision} ({@link FallbackToPrimary}, possibly corrected).
 */
final class ReplicaSite {
    private final StreamingProxy proxy;
    private final Upstream upstream;
    private final InProcessDispatch inProcess;
    private final CircuitBreaker circuit;
    private final ProxyObserver observer;

    /** @param inProcess registry-read's handler in this process, or null to proxy to {@code upstream} */
    ReplicaSite(
            StreamingProxy proxy,
            Upstream upstream,
            InProcessDispatch inProcess,
            CircuitBreaker circuit,
            ProxyObserver observer) {
        this.proxy = proxy;
        this.upstream = upstream;
        this.inProcess = inProcess;
        this.circuit = circuit;
        this.observer = observer;
    }

    /** registry-read's servlet blocks: reads in process need a thread of their own. */
    boolean inProcess() {
        return inProcess != null;
    }

    boolean isDown() {
        return circuit.isOpen();
    }

    /**
     * @param answerBudget how long the replica may take to start answering before {@code decision}
     *                     takes over ({@link ReplicaDecision#takeOverFailure}); null: no budget
     */
    void send(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            ReplicaDecision decision,
            java.time.Duration answerBudget)
            throws Exception {
        if (inProcess != null) {
            inProcess.dispatch(request, response, callback, decision, answerBudget);
            return;
        }
        proxy.forward(
                request,
                response,
                callback,
                upstream,
                upstream.target(
                        request.getHttpURI().getPath(), request.getHttpURI().getQuery()),
                record.requestId(),
                decision,
                observer,
                ExchangeTimeouts.answerWithin(answerBudget));
    }
}
