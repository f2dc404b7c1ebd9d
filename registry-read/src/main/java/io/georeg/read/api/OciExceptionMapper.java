package io.georeg.read.api;

import io.georeg.oci.OciException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * The one mapper from {@link OciException} to an HTTP answer: the status comes from the error
 * code ({@code ErrorCode.httpStatus()}), the body is the spec's error body, plus the one header
 * an {@link OciHttpException} carries (challenge, Content-Range); see {@link ErrorAnswer}.
 */
public final class OciExceptionMapper implements ExceptionMapper<OciException> {

    @Override
    public Response toResponse(OciException e) {
        return render(e);
    }

    static Response render(OciException e) {
        return ErrorAnswer.of(e).toJersey();
    }
}
