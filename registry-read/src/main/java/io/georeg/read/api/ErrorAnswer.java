package io.georeg.read.api;

import io.georeg.oci.ErrorBody;
import io.georeg.oci.OciException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to a failed request: its status, the spec's error body and at most one more header
 * (the challenge of a 401, the {@code Content-Range} of a 416). Built by the two exception mappers
 * ({@link OciExceptionMapper#answer}, {@link UnexpectedExceptionMapper#answer}) and written either
 * as Jersey's response or, by {@link DirectReads}, straight to Jetty's: the same failure gets the
 * same answer on both paths.
 */
record ErrorAnswer(int status, byte[] body, String headerName, String headerValue) {
    static ErrorAnswer of(OciException e) {
        return e instanceof OciHttpException h
                ? new ErrorAnswer(e.code().httpStatus(), ErrorBody.render(e), h.headerName(), h.headerValue())
                : new ErrorAnswer(e.code().httpStatus(), ErrorBody.render(e), null, null);
    }

    jakarta.ws.rs.core.Response toJersey() {
        jakarta.ws.rs.core.Response.ResponseBuilder r =
                jakarta.ws.rs.core.Response.status(status).entity(body).header("Content-Type", ErrorBody.CONTENT_TYPE);
        if (headerName != null) {
            r.header(headerName, headerValue);
        }
        return r.build();
    }

    /** Writes this answer as the whole of a response that is not committed yet. */
    void writeTo(org.eclipse.jetty.server.Response response, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ErrorBody.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (headerName != null) {
            response.getHeaders().put(headerName, headerValue);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
