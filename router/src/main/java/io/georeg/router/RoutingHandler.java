package io.georeg.router;

import io.georeg.router.route.RouteMatch;
import io.georeg.router.route.RouteTable;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The dispatcher: classifies each request with the {@link RouteTable} and hands it to the leg of
 * its destination — {@link ReplicaRead} (reads: replica, fallback, fences), {@link PrimaryWrite}
 * (writes and anything unknown), {@link TokenRoute}, each of the primary that owns the repository
 * ({@link CellLegs}), {@link LocalEndpoints}, {@link RefusedPath}.
 * The only handler under {@link AccessLogHandler}; assembled by {@link Router}.
 *
 * <p>Declared non-blocking, so Jetty runs it on the thread that parsed the request: proxying is
 * asynchronous end to end, and most requests never need a thread of their own. A leg that may
 * block for a request ({@link RouteLeg#mayBlock}: the router's own endpoints, a referrers read
 * corrected with the fences) is run on a virtual thread; a read served by registry-read in
 * process gets one once its pin check is done ({@link ReplicaRead}).
 */
final class RoutingHandler extends Handler.Abstract {
    private final RouteTable table;
    private final RouteLeg refused;
    private final RouteLeg local;
    private final CellLegs cells;

    RoutingHandler(RouteTable table, RouteLeg refused, RouteLeg local, CellLegs cells) {
        this.table = table;
        this.refused = refused;
        this.local = local;
        this.cells = cells;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        RequestRecord record = (RequestRecord) request.getAttribute(RequestRecord.ATTRIBUTE);
        RouteMatch match =
                table.classify(request.getMethod(), request.getHttpURI().getPath());
        RouteLeg leg = switch (match.destination()) {
            case REJECT -> refused;
            case LOCAL -> local;
            case AUTH -> cells.token();
            case PRIMARY -> cells.write(match);
            case REPLICA -> cells.read(match);
        };
        if (leg.mayBlock(match)) {
            Thread.ofVirtual().name("router-blocking").start(() -> {
                try {
                    leg.answer(request, response, callback, record, match);
                } catch (Throwable e) {
                    callback.failed(e);
                }
            });
        } else {
            leg.answer(request, response, callback, record, match);
        }
        return true;
    }
}
