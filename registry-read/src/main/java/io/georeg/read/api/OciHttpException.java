package io.georeg.read.api;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;

/**
 * An {@link OciException} whose answer needs one response header besides the error body: the
 * {@code WWW-Authenticate} challenge of a 401, the {@code Content-Range} of a 416. The one
 * exception mapper ({@link OciExceptionMapper}) adds it.
 */
public class OciHttpException extends OciException {
    private final String headerName;
    private final String headerValue;

    public OciHttpException(ErrorCode code, String message, Object detail, String headerName, String headerValue) {
        super(code, message, detail);
        this.headerName = headerName;
        this.headerValue = headerValue;
    }

    public String headerName() {
        return headerName;
    }

    public String headerValue() {
        return headerValue;
    }
}
