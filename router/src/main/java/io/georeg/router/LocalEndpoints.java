package io.georeg.router;

import io.georeg.ops.OperationsHandler;
import io.georeg.router.admin.AdminEndpoint;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the router's own endpoints (the {@code LOCAL} routes): the admin API, health,
 * readiness and metrics (the {@link OperationsHandler} every component uses), and any other
 * local path (the status page) through the {@code pages} handler the app gives, 404 without one.
 * May block (database, scrape): always run on a virtual thread.
 */
final class LocalEndpoints implements RouteLeg {
    private final AdminEndpoint admin;
    private final OperationsHandler operations;
    private final Handler pages;
    private final RouterMetrics metrics;

    /** @param pages serves the other LOCAL paths (e.g. the status page); null answers them 404 */
    LocalEndpoints(AdminEndpoint admin, OperationsHandler operations, Handler pages, RouterMetrics metrics) {
        this.admin = admin;
        this.operations = operations;
        this.pages = pages;
        this.metrics = metrics;
    }

    @Override
    public boolean mayBlock(RouteMatch match) {
        return true;
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match)
            throws Exception {
        metrics.routed(record, match, "local");
        if (match.routeId() == RouteId.ADMIN) {
            admin.handle(request, response, callback);
        } else if (!operations.handle(request, response, callback)
                && (pages == null || !pages.handle(request, response, callback))) {
            byte[] body = ("{\"error\":\"not served by this router: "
                            + request.getHttpURI().getPath() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(404);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
