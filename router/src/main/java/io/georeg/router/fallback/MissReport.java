package io.georeg.router.fallback;

import io.georeg.oci.Digest;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the {@link ReplicaMissListener} what the primary had that the replica lacked (a 200 to
 * a fallback read), on a virtual thread; never holds the answer. A read by tag is reported with
 * the digest the primary stores under the tag ({@link StoredTagLookup}), never with the digest
 * of the representation this client negotiated; when that cannot be learnt nothing is reported
 * (the reconcile finds the tag later).
 */
public final class MissReport implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(MissReport.class);

    private final ReplicaMissListener listener;
    private final StoredTagLookup tags;
    private final RouteMatch match;
    private final List<String> authorization;

    /** @param authorization the client's {@code Authorization} values, to ask the primary as the client */
    public MissReport(
            ReplicaMissListener listener, StoredTagLookup tags, RouteMatch match, List<String> authorization) {
        this.listener = listener;
        this.tags = tags;
        this.match = match;
        this.authorization = List.copyOf(authorization);
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        if (serverToProxyResponse.getStatus() == 200 && listener != ReplicaMissListener.NONE) {
            String answered = serverToProxyResponse.getHeaders().get("Docker-Content-Digest");
            long size = serverToProxyResponse.getHeaders().getLongField("Content-Length");
            Thread.ofVirtual().name("replica-miss").start(() -> report(answered, size));
        }
        return false;
    }

    private void report(String answeredDigest, long size) {
        try {
            if (match.routeId() == RouteId.MANIFEST_READ && !Digest.looksLikeDigest(match.reference())) {
                Optional<StoredTagLookup.Stored> stored =
                        tags.storedUnder(match.repository(), match.reference(), authorization);
                if (stored.isEmpty()) {
                    LOG.debug(
                            "what the primary stores under {}:{} is unknown: miss not reported",
                            match.repository(),
                            match.reference());
                    return;
                }
                listener.onMiss(new ReplicaMissListener.Miss(
                        match.routeId(),
                        match.repository(),
                        match.reference(),
                        stored.get().digest(),
                        stored.get().size()));
            } else {
                listener.onMiss(new ReplicaMissListener.Miss(
                        match.routeId(), match.repository(), match.reference(), answeredDigest, size));
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not report the replica miss of {} {}:{}",
                    match.routeId(),
                    match.repository(),
                    match.reference(),
                    e);
        }
    }
}
