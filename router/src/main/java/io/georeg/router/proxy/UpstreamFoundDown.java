package io.georeg.router.proxy;

import java.io.IOException;

/**
 * Why {@link StreamingProxy} gave up an exchange: its upstream's circuit opened while the exchange
 * waited on it ({@link StreamingProxy#foundDown}). Before the answer began, the message is what the
 * client is told (the router's own refusal while that upstream is down) unless the interceptor
 * answers another way ({@link ResponseInterceptor#takeOverFailure}: a read asked of the replica).
 * Neither a timeout nor a refused connect: it is no new evidence against the upstream, and the
 * circuit does not count it.
 */
public final class UpstreamFoundDown extends IOException {

    public UpstreamFoundDown(String message) {
        super(message, null);
    }

    /** Its stack says nothing: it is made by the sweep, not where the exchange failed. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
