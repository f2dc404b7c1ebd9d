package io.georeg.router;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.PathGrammar;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import io.georeg.router.route.RouteTable;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of refused requests: a method the registry API does not use, 405 {@code UNSUPPORTED}
 * with an {@code Allow} header ({@link RouteTable#API_METHODS}); refused paths, 400
 * {@code NAME_INVALID} with the reason, {@link PathGrammar#ambiguity} or a length over
 * {@link PathGrammar#MAX_PATH_LENGTH}.
 */
final class RefusedPath implements RouteLeg {
    private static final String ALLOW = String.join(", ", new TreeSet<>(RouteTable.API_METHODS));
    private final RouterMetrics metrics;

    RefusedPath(RouterMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
        metrics.routed(record, match, "reject");
        if (match.routeId() == RouteId.METHOD_NOT_ALLOWED) {
            // RFC 9110 section 15.5.6: a 405 names the methods the target supports. The connection is
            // closed after it: what follows a request line that is not the API's is not trusted either.
            response.getHeaders().put(HttpHeader.ALLOW, ALLOW);
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            OciErrorResponse.send(
                    response,
                    callback,
                    ErrorCode.UNSUPPORTED,
                    "request method refused: not a method of the registry API (" + ALLOW + ")");
            return;
        }
        if (match.routeId() == RouteId.PATH_TOO_LONG) {
            OciErrorResponse.send(
                    response,
                    callback,
                    ErrorCode.NAME_INVALID,
                    "request path refused: longer than " + PathGrammar.MAX_PATH_LENGTH
                            + " characters, which no registry API path is");
            return;
        }
        String why = PathGrammar.ambiguity(request.getHttpURI().getPath());
        OciErrorResponse.send(
                response,
                callback,
                ErrorCode.NAME_INVALID,
                "ambiguous request path refused ("
                        + (why == null ? "not a path of the registry API" : why)
                        + "): dot segments, encoded '/', '\\', '.' or '%', and empty segments are not allowed");
    }
}
