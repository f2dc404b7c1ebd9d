package io.georeg.router.fallback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.ErrorCode;
import java.io.IOException;
import java.util.Set;

/**
 * Whether a replica answer means "not replicated (yet)": a 404 whose OCI error body names only
 * {@code MANIFEST_UNKNOWN}, {@code BLOB_UNKNOWN} or {@code NAME_UNKNOWN} (OCI distribution spec,
 * "Error Codes"), or a 404 without a body (the answer to a HEAD). Any other answer — a 401, a
 * 400 for a bad digest — is the replica's to give and is passed on.
 */
public final class ReplicaMiss {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MISSING = Set.of(
            ErrorCode.MANIFEST_UNKNOWN.wireCode(),
            ErrorCode.BLOB_UNKNOWN.wireCode(),
            ErrorCode.NAME_UNKNOWN.wireCode());

    private static final Set<String> REPOSITORY_UNKNOWN = Set.of(ErrorCode.NAME_UNKNOWN.wireCode());

    private ReplicaMiss() {}

    public static boolean isMiss(int status, byte[] body) {
        if (status != 404) {
            return false;
        }
        return body == null || body.length == 0 || namesOnly(body, MISSING);
    }

    /**
     * Whether a registry answered that it does not know the repository: a 404 whose OCI error body
     * names only {@code NAME_UNKNOWN}. Unlike {@link #isMiss}, a 404 without one (no body, or
     * distribution 2.8's "404 page not found" to a path it has no API for) is not.
     */
    public static boolean isRepositoryUnknown(int status, byte[] body) {
        return status == 404 && body != null && body.length > 0 && namesOnly(body, REPOSITORY_UNKNOWN);
    }

    private static boolean namesOnly(byte[] body, Set<String> codes) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (!errors.isArray() || errors.isEmpty()) {
                return false;
            }
            for (JsonNode error : errors) {
                if (!codes.contains(error.path("code").asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // not an OCI error body: not a registry's "unknown", pass it on
        }
    }
}
