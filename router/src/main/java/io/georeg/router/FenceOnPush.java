package io.georeg.router;

import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the primary's 2xx to a manifest PUT until its fence is recorded, so no read that
 * starts after the client saw the 201 can miss the fence.
 */
final class FenceOnPush implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(FenceOnPush.class);

    private final ReadYourWrites readYourWrites;
    private final RouterMetrics metrics;
    private final RouteMatch match;

    FenceOnPush(ReadYourWrites readYourWrites, RouterMetrics metrics, RouteMatch match) {
        this.readYourWrites = readYourWrites;
        this.metrics = metrics;
        this.match = match;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return serverToProxyResponse.getStatus() / 100 == 2;
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        // A database round trip: off the HTTP client's threads.
        Thread.ofVirtual().name("fence-record").start(() -> {
            try {
                readYourWrites.recordPush(match.repository(), match.reference(), held.response().getHeaders().get("Docker-Content-Digest"));
            } catch (RuntimeException e) {
                // The push itself succeeded on the primary; failing it now would make the
                // client retry a push that is done. The error is counted and logged loudly.
                metrics.fenceError();
                LOG.error("push of {}:{} succeeded but its read-your-writes fence was not recorded", match.repository(), match.reference(), e);
            } finally {
                release.run();
            }
        });
    }
}
