package io.georeg.oci;

/**
 * The OCI distribution error codes georeg answers with, each with the HTTP status the spec
 * (and CNCF distribution's errcode registry) pairs it with. Declared once: the Jersey
 * exception mapper, the router and the intake all take the status from here.
 */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    TAG_INVALID(400, "manifest tag did not match URI"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    /** Not in the spec's table; distribution uses it for a range it cannot satisfy. */
    RANGE_INVALID(416, "requested range not satisfiable"),
    /** An Accept header that excludes the stored manifest's media type. */
    MANIFEST_NOT_ACCEPTABLE(404, "manifest unknown in an accepted media type"),
    /**
     * Not in the spec's table: a path the listener does not serve (the operator endpoints on the
     * router's public URL), answered in the same body form as every other refusal.
     */
    NOT_FOUND(404, "not served here"),
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    UNAVAILABLE(503, "service unavailable"),
    UNKNOWN(500, "unknown error");

    private final int httpStatus;
    private final String defaultMessage;

    ErrorCode(int httpStatus, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String defaultMessage() {
        return defaultMessage;
    }

    /** The code as it appears on the wire; the two georeg-specific ones map to spec codes. */
    public String wireCode() {
        return switch (this) {
            case MANIFEST_NOT_ACCEPTABLE -> MANIFEST_UNKNOWN.name();
            default -> name();
        };
    }
}
