package io.georeg.router;

import io.georeg.router.route.RouteMatch;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * How the router answers the requests of one {@link io.georeg.router.route.Destination}: a
 * read's way through the replica, a write's way to the primary, the token route's, the router's
 * own endpoints, a refused path. {@link RoutingHandler} classifies and picks the leg; the leg
 * reads top to bottom from there.
 */
interface RouteLeg {

    /** Whether answering {@code match} may block; the dispatcher then runs it on a virtual thread. */
    default boolean mayBlock(RouteMatch match) {
        return false;
    }

    void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match)
            throws Exception;
}
