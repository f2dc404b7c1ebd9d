package io.georeg.oci;

import java.util.Map;

/**
 * An OCI-level failure: an {@link ErrorCode}, a human message and an optional detail object,
 * rendered as the spec's error body by {@link ErrorBody}. Thrown where the code that detects the
 * failure already speaks the OCI vocabulary (validation of names and digests, lookups in the
 * replica); lower layers throw their own exceptions and are translated at the API edge.
 */
public class OciException extends RuntimeException {
    private final ErrorCode code;
    private final transient Object detail;

    public OciException(ErrorCode code, String message) {
        this(code, message, null, null);
    }

    public OciException(ErrorCode code, String message, Object detail) {
        this(code, message, detail, null);
    }

    public OciException(ErrorCode code, String message, Object detail, Throwable cause) {
        super(message == null ? code.defaultMessage() : message, cause);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    public Object detail() {
        return detail;
    }

    public static OciException nameUnknown(RepositoryName name) {
        return new OciException(
                ErrorCode.NAME_UNKNOWN, "repository name not known to registry", Map.of("name", name.value()));
    }

    public static OciException manifestUnknown(RepositoryName name, String reference) {
        return new OciException(
                ErrorCode.MANIFEST_UNKNOWN, "manifest unknown", Map.of("name", name.value(), "reference", reference));
    }

    public static OciException blobUnknown(Digest digest) {
        return new OciException(
                ErrorCode.BLOB_UNKNOWN, "blob unknown to registry", Map.of("digest", digest.toString()));
    }
}
