package io.georeg.router.fallback;

import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the {@link ReplicaMissListener} what the primary had that the replica lacked (a 200 to
 * a fallback read), on a virtual thread; never holds the answer.
 */
public final class MissReport implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(MissReport.class);

    private final ReplicaMissListener listener;
    private final RouteMatch match;

    public MissReport(ReplicaMissListener listener, RouteMatch match) {
        this.listener = listener;
        this.match = match;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        if (serverToProxyResponse.getStatus() == 200 && listener != ReplicaMissListener.NONE) {
            ReplicaMissListener.Miss miss = new ReplicaMissListener.Miss(match.routeId(), match.repository(), match.reference(),
                    serverToProxyResponse.getHeaders().get("Docker-Content-Digest"), serverToProxyResponse.getHeaders().getLongField("Content-Length"));
            Thread.ofVirtual().name("replica-miss").start(() -> {
                try {
                    listener.onMiss(miss);
                } catch (RuntimeException e) {
                    LOG.warn("could not report the replica miss {}", miss, e);
                }
            });
        }
        return false;
    }
}
