package io.georeg.router;

import io.georeg.oci.ErrorCode;
import io.georeg.ops.OperationsHandler;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the router's own endpoints on the public listener (the {@code LOCAL} routes):
 * health and readiness only. The operator endpoints the route table also names ({@code /metrics},
 * the status page, the admin API) answer 404 here: they are served by the operator listener
 * ({@link OperatorEndpoints}), which the public URL never reaches, so an anonymous client learns
 * nothing about repositories, failures or the admin API from the registry's URL. May block
 * (readiness checks): always run on a virtual thread.
 */
final class LocalEndpoints implements RouteLeg {
    private final OperationsHandler operations;
    private final RouterMetrics metrics;

    LocalEndpoints(OperationsHandler operations, RouterMetrics metrics) {
        this.operations = operations;
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
        if (match.routeId() == RouteId.HEALTH && operations.handle(request, response, callback)) {
            return;
        }
        notServed(request, response, callback);
    }

    /** 404 in the OCI error body form, like every refusal of the router; never says what the path would serve. */
    static void notServed(Request request, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        OciErrorResponse.send(
                response,
                callback,
                ErrorCode.NOT_FOUND,
                "not served here: " + request.getHttpURI().getPath());
    }
}
