package io.georeg.router;

import io.georeg.ops.OperationsHandler;
import io.georeg.router.admin.AdminEndpoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The whole handler of the router's operator listener ({@code router.operator.*}): the admin API
 * under {@link AdminEndpoint#PREFIX}, health, readiness and {@code /metrics}
 * ({@link OperationsHandler}), the pages the app gives (the status page), and 404 for anything
 * else. Nothing here is proxied. Handlers may block (database, scrape): the operator server runs
 * them on virtual threads.
 */
final class OperatorEndpoints extends Handler.Abstract {
    private final AdminEndpoint admin;
    private final OperationsHandler operations;
    private final Handler pages;

    /** @param pages the status page and other operator pages; null answers them 404 */
    OperatorEndpoints(AdminEndpoint admin, OperationsHandler operations, Handler pages) {
        this.admin = admin;
        this.operations = operations;
        this.pages = pages;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (Request.getPathInContext(request).startsWith(AdminEndpoint.PREFIX)) {
            admin.handle(request, response, callback);
        } else if (!operations.handle(request, response, callback)
                && (pages == null || !pages.handle(request, response, callback))) {
            LocalEndpoints.notServed(request, response, callback);
        }
        return true;
    }
}
