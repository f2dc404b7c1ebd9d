package io.georeg.router.fallback;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.InProcessDispatch;

/**
 * The replica leg of a read: holds a replica 404 or 5xx, and when it is a {@link ReplicaMiss} or a
 * failure of the replica's own backends (its database or storage unavailable: a secondary-side
 * fault must not fail a read the healthy primary can answer) re-issues
 * the read to the primary (through {@link Actions#fallBack}, which the dispatcher implements by
 * proxying the same request — the client's own {@code Authorization} included — to the
 * configured primary and nowhere else). The primary's answer, a redirect to pre-signed storage
 * included, then goes to the client as it is; the router never follows a redirect itself. An
 * unreachable replica, and one that did not start to answer within its budget, falls back the same
 * way. When the primary's circuit is open the replica's
 * answer stands, and so it does when the client's token is one of this site's outage tokens, which
 * the primary refuses ({@link Actions#primaryRefusesTheToken}); either way the dispatcher counts it
 * as such ({@link Actions#failureNotAskedOfPrimary}) — except a miss: a 404 there would
 * tell the client the repository, tag or blob does not exist, when this site only has not
 * replicated it and cannot ask the primary that may have it ({@link Actions#missNotAskedOfPrimary}).
 * The same decision serves an in-process replica
 * ({@link InProcessDispatch.Decision}). One instance per request.
 */
public final class FallbackToPrimary implements ReplicaDecision {

    /** What the dispatcher does on each outcome. */
    public interface Actions {
        /** Answer the client from the primary instead; {@code reason} is for logs. */
        void fallBack(String reason);

        /**
         * A replica failure that could not fall back, because the primary is unreachable or refuses
         * the client's token: the failure stands.
         */
        void failureNotAskedOfPrimary();

        /**
         * Whether the client's token is one the primary refuses: one of this site's outage tokens,
         * issued while the primary's token service was unreachable. A fallback with it would only
         * bring the client the primary's 401, and a new outage token from the router, in a loop.
         */
        boolean primaryRefusesTheToken();

        /**
         * A miss that could not fall back, because the primary is unreachable or refuses the
         * client's token: answer the client instead of the replica's 404, saying so.
         */
        void missNotAskedOfPrimary();
    }

    private final CircuitBreaker primary;
    private final Actions actions;

    public FallbackToPrimary(CircuitBreaker primary, Actions actions) {
        this.primary = primary;
        this.actions = actions;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return hold(serverToProxyResponse.getStatus());
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        onHeld(held.status(), held.body(), release);
    }

    /** A 404 (maybe a miss) and a 5xx (the replica's own database or storage failed) are looked at. */
    @Override
    public boolean hold(int status) {
        return status == 404 || status >= 500;
    }

    @Override
    public void onHeld(int status, byte[] body, Runnable release) {
        boolean miss = ReplicaMiss.isMiss(status, body);
        if (!miss && status < 500) {
            release.run();
        } else if (!primary.isOpen() && !actions.primaryRefusesTheToken()) {
            actions.fallBack("replica answered " + status);
        } else if (miss) {
            actions.missNotAskedOfPrimary();
        } else {
            actions.failureNotAskedOfPrimary();
            release.run();
        }
    }

    @Override
    public boolean takeOverFailure(Throwable failure) {
        if (primary.isOpen() || actions.primaryRefusesTheToken()) {
            return false;
        }
        actions.fallBack("replica unreachable: " + failure.getMessage());
        return true;
    }
}
