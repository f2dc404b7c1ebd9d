package io.georeg.read.server;

import io.georeg.oci.ErrorBody;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.PathGrammar;
import io.georeg.ops.OciErrorHandler;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The first handler of registry-read (a Jetty core wrapper in front of the servlet context).
 * It adds {@code Docker-Distribution-API-Version: registry/2.0} to every answer, as distribution
 * does, and refuses raw paths under {@code /v2/} that are ambiguous ({@link PathGrammar#ambiguity}:
 * dot segments, encoded slashes and dots) with 400 {@code NAME_INVALID} and the OCI error body.
 * It must run on the raw path before the servlet layer, which would otherwise normalise
 * {@code ..} away or refuse ambiguous URIs with a bare error.
 */
public final class PathGuard extends Handler.Wrapper {
    static final PreEncodedHttpField API_VERSION = OciErrorHandler.API_VERSION;

    public PathGuard(Handler next) {
        super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        response.getHeaders().add(API_VERSION);
        String raw = request.getHttpURI().getPath();
        if (raw != null && raw.startsWith("/v2/")) {
            String why = PathGrammar.ambiguity(raw);
            if (why != null) {
                byte[] body = ErrorBody.render(
                        ErrorCode.NAME_INVALID, "invalid repository path: " + why, Map.of("path", raw));
                response.setStatus(ErrorCode.NAME_INVALID.httpStatus());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, ErrorBody.CONTENT_TYPE);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        }
        return super.handle(request, response, callback);
    }
}
