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

    private ReplicaMiss() {}

    public static boolean isMiss(int status, byte[] body) {
        if (status != 404) {
            return false;
        }
        if (body == null || body.length == 0) {
            return true;
        }
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (!errors.isArray() || errors.isEmpty()) {
                return false;
            }
            for (JsonNode error : errors) {
                if (!MISSING.contains(error.path("code").asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // not an OCI error body: not a registry's "unknown", pass it on
        }
    }
}
