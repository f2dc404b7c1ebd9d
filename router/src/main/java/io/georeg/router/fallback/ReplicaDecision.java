package io.georeg.router.fallback;

import io.georeg.router.proxy.InProcessDispatch;
import io.georeg.router.proxy.ResponseInterceptor;

/**
 * What a read decides about the replica's answer, whether the replica is proxied to
 * ({@link ResponseInterceptor}) or in process ({@link InProcessDispatch.Decision}): pass it on,
 * fall back to the primary ({@link FallbackToPrimary}), or correct it.
 */
public interface ReplicaDecision extends ResponseInterceptor, InProcessDispatch.Decision {

    /** The replica failed, or did not start to answer within its budget, before the client saw anything. */
    @Override
    default boolean takeOverFailure(Throwable failure) {
        return false;
    }
}
