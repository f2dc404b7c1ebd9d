package io.georeg.router;

import io.georeg.router.route.RouteMatch;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the {@code PRIMARY} routes (pushes, deletes, uploads, and anything the route table
 * does not know): admitted by the {@link PrimarySite} (circuit, freeze), proxied to the primary's
 * registry, and a write's answer held until its read-your-writes fence is recorded
 * ({@link RouterFences#onWrite}).
 */
final class PrimaryWrite implements RouteLeg {
    private final PrimarySite primary;
    private final RouterFences fences;
    private final RouterMetrics metrics;

    PrimaryWrite(PrimarySite primary, RouterFences fences, RouterMetrics metrics) {
        this.primary = primary;
        this.fences = fences;
        this.metrics = metrics;
    }

    @Override
    public boolean mayBlock(RouteMatch match) {
        return fences.writeMayBlock(match);
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
        metrics.routed(record, match, "primary");
        primary.sendAdmitted(
                request,
                response,
                callback,
                record,
                primary.registry(),
                "primary",
                primary.target(request),
                fences.onWrite(request, response, match));
    }
}
