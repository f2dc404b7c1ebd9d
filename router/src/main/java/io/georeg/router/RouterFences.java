package io.georeg.router;

import io.georeg.router.fence.Fence;
import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-your-writes as the legs apply it ({@link ReadYourWrites} keeps the fences): a write's
 * answer is held until its fence is recorded ({@link #onWrite}), a read that a fence pins goes
 * to the primary ({@link #pinning}). Without a tracking database there are no fences and every
 * method says so. A fence that cannot be checked pins the read: the primary is always current.
 */
final class RouterFences {
    private static final Logger LOG = LoggerFactory.getLogger(RouterFences.class);

    private final ReadYourWrites readYourWrites;
    private final RouterMetrics metrics;

    /** @param readYourWrites null: no tracking database, no fences */
    RouterFences(ReadYourWrites readYourWrites, RouterMetrics metrics) {
        this.readYourWrites = readYourWrites;
        this.metrics = metrics;
    }

    /** Whether reads of this route are checked against fences. */
    boolean fencesReadsOf(RouteMatch match) {
        return readYourWrites != null && match.routeId() == RouteId.MANIFEST_READ;
    }

    /** Whether checking the read may block (a database query, a HEAD to the replica). */
    boolean mayBlock(RouteMatch match) {
        return fencesReadsOf(match) && !readYourWrites.certainlyUnfenced(match.repository(), match.reference());
    }

    /** The fence that pins this read to the primary, if any; blocking. */
    Optional<Fence> pinning(Request request, RouteMatch match) {
        if (!fencesReadsOf(match)) {
            return Optional.empty();
        }
        try {
            return readYourWrites.pinning(match.repository(), match.reference(), request.getHeaders());
        } catch (RuntimeException e) {
            metrics.fenceError();
            LOG.warn("cannot check write fences of {}:{}, reading from the primary", match.repository(), match.reference(), e);
            return Optional.of(new Fence(match.repository(), null, "unknown", null, null));
        }
    }

    /** What holds the primary's answer to this write until its fence is recorded; NONE when it needs none. */
    ResponseInterceptor onWrite(Request request, RouteMatch match) {
        if (readYourWrites != null && match.routeId() == RouteId.MANIFEST_WRITE && "PUT".equals(request.getMethod())) {
            return new FenceOnPush(readYourWrites, metrics, match);
        }
        return ResponseInterceptor.NONE;
    }
}
