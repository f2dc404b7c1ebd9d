package io.georeg.router.proxy;

import io.georeg.oci.ErrorBody;
import io.georeg.oci.ErrorCode;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes the router's own answers as the OCI error body ({@link ErrorBody}), with the status
 * the {@link ErrorCode} carries. Used for refused paths, an open circuit, upstream failures and
 * oversized bodies.
 */
public final class OciErrorResponse {
    private OciErrorResponse() {}

    /** Answers the client, or fails the callback when the response is already on its way. */
    public static void send(Response response, Callback callback, ErrorCode code, String message) {
        if (response.isCommitted()) {
            callback.failed(new IllegalStateException("response committed before error " + code + ": " + message));
            return;
        }
        byte[] body = ErrorBody.render(code, message, null);
        response.setStatus(code.httpStatus());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ErrorBody.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
