package io.georeg.router;

import io.georeg.oci.Digest;
import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.MissReport;
import io.georeg.router.fallback.ReplicaMissListener;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leg of the {@code REPLICA} routes (pulls), in the order a read goes:
 * <ol>
 * <li>while the primary is down, an answer about a tag is marked {@code X-Georeg-Possibly-Stale}
 *     (the tag may have moved on the primary since);</li>
 * <li>while the primary is up, a read that a read-your-writes fence pins goes to the primary
 *     ({@code primary-fenced});</li>
 * <li>while the replica's circuit is open (and the primary's is not), the primary answers
 *     ({@code primary-fallback});</li>
 * <li>otherwise the replica answers, and a miss (404 not-replicated, or an unreachable replica)
 *     falls back to the primary ({@link FallbackToPrimary}), whose 200 is reported to the
 *     {@link ReplicaMissListener} (cache on miss).</li>
 * </ol>
 */
final class ReplicaRead implements RouteLeg {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRead.class);

    private final ReplicaSite replica;
    private final PrimarySite primary;
    private final RouterFences fences;
    private final RouterMetrics metrics;
    private final ReplicaMissListener missListener;

    ReplicaRead(ReplicaSite replica, PrimarySite primary, RouterFences fences, RouterMetrics metrics, ReplicaMissListener missListener) {
        this.replica = replica;
        this.primary = primary;
        this.fences = fences;
        this.metrics = metrics;
        this.missListener = missListener;
    }

    @Override
    public boolean mayBlock(RouteMatch match) {
        return replica.inProcess() || fences.mayBlock(match);
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) throws Exception {
        boolean primaryDown = primary.isDown();
        if (primaryDown && readsATag(match)) {
            response.getHeaders().put(GeoregHeaders.POSSIBLY_STALE, "true");
        }
        if (!primaryDown && fences.pinning(request, match).isPresent()) {
            metrics.routed(record, match, "primary-fenced");
            primary.sendRead(request, response, callback, record, "primary-fenced", ResponseInterceptor.NONE);
            return;
        }
        metrics.routed(record, match, "replica");
        FallbackActions actions = new FallbackActions(request, response, callback, record, match);
        if (replica.isDown() && !primaryDown) {
            actions.fallBack("replica circuit open");
            return;
        }
        response.getHeaders().put(GeoregHeaders.SOURCE, "replica");
        replica.send(request, response, callback, record, new FallbackToPrimary(primary.circuit(), actions));
    }

    private static boolean readsATag(RouteMatch match) {
        return match.routeId() == RouteId.TAGS_LIST
                || (match.routeId() == RouteId.MANIFEST_READ && !Digest.looksLikeDigest(match.reference()));
    }

    /** A miss answered from the primary, or counted when the primary is down too. */
    private final class FallbackActions implements FallbackToPrimary.Actions {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final RequestRecord record;
        private final RouteMatch match;

        FallbackActions(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.record = record;
            this.match = match;
        }

        @Override
        public void fallBack(String reason) {
            LOG.debug("{} {}: {}, answering from the primary", record.requestId(), request.getHttpURI().getPath(), reason);
            record.fellBack("primary-fallback");
            metrics.fallback(match.routeId(), "primary");
            primary.sendRead(request, response, callback, record, "primary-fallback", new MissReport(missListener, match));
        }

        @Override
        public void primaryDown() {
            metrics.fallback(match.routeId(), "primary-unreachable");
        }
    }
}
