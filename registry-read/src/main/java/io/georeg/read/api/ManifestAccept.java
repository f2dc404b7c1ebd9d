package io.georeg.read.api;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import java.util.Enumeration;
import java.util.Map;

/**
 * Content negotiation for manifest GET/HEAD. A registry cannot convert manifests, so the only
 * question is whether the client's {@code Accept} admits the stored media type.
 *
 * <p>Rules: no {@code Accept} header at all admits everything (as the OCI distribution spec's
 * conformance suite expects); otherwise the stored type, {@code *}{@code /*} or
 * {@code application/*} must be listed (entries with {@code q=0} are refusals). An excluded
 * type is answered as distribution 2.8 does ({@code registry/handlers/manifests.go}): 404
 * {@code MANIFEST_UNKNOWN} with "OCI manifest found, but accept header does not support OCI
 * manifests" and the analogous messages for the other types. Distribution itself ignores
 * wildcards; georeg honours them because the HTTP semantics say so and containerd sends
 * {@code *}{@code /*} alongside the manifest types.
 */
public final class ManifestAccept {

    private ManifestAccept() {}

    /** Throws MANIFEST_UNKNOWN (404) when the Accept headers exclude {@code storedType}. */
    public static void check(Enumeration<String> acceptHeaders, String storedType) {
        if (acceptHeaders == null || !acceptHeaders.hasMoreElements()) {
            return;
        }
        boolean sawAny = false;
        while (acceptHeaders.hasMoreElements()) {
            String header = acceptHeaders.nextElement();
            if (header == null || header.isBlank()) {
                continue;
            }
            sawAny = true;
            if (admits(header, storedType)) {
                return;
            }
        }
        if (sawAny) {
            throw new OciException(
                    ErrorCode.MANIFEST_NOT_ACCEPTABLE, refusal(storedType), Map.of("mediaType", storedType));
        }
    }

    /** True when one comma-separated Accept value admits {@code type}. */
    public static boolean admits(String header, String type) {
        int start = 0;
        int n = header.length();
        while (start <= n) {
            int comma = header.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            if (entryAdmits(header, start, end, type)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            start = comma + 1;
        }
        return false;
    }

    private static boolean entryAdmits(String header, int start, int end, String type) {
        int semi = header.indexOf(';', start);
        int typeEnd = semi >= 0 && semi < end ? semi : end;
        String range = header.substring(start, typeEnd).trim();
        boolean matches =
                range.equalsIgnoreCase(type) || range.equals("*/*") || range.equalsIgnoreCase("application/*");
        if (!matches) {
            return false;
        }
        return typeEnd == end || !qualityIsZero(header.substring(typeEnd + 1, end));
    }

    private static boolean qualityIsZero(String params) {
        for (String p : params.split(";")) {
            String t = p.trim();
            if (t.startsWith("q=") || t.startsWith("Q=")) {
                try {
                    return Double.parseDouble(t.substring(2).trim()) == 0.0;
                } catch (NumberFormatException e) {
                    return false; // an unreadable q is ignored, as RFC 9110 lets a server do
                }
            }
        }
        return false;
    }

    /** The messages distribution 2.8 gives, extended to the Docker types it would convert. */
    static String refusal(String storedType) {
        return switch (storedType) {
            case MediaTypes.OCI_MANIFEST -> "OCI manifest found, but accept header does not support OCI manifests";
            case MediaTypes.OCI_INDEX -> "OCI index found, but accept header does not support OCI indexes";
            case MediaTypes.DOCKER_MANIFEST -> "Docker schema 2 manifest found, but accept header does not support it";
            case MediaTypes.DOCKER_MANIFEST_LIST ->
                "Docker manifest list found, but accept header does not support manifest lists";
            default -> storedType + " manifest found, but accept header does not support it";
        };
    }
}
