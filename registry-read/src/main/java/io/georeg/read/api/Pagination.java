package io.georeg.read.api;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import java.util.Map;

/**
 * The {@code n} and {@code last} query parameters of the tags list and the catalog.
 *
 * <p>{@code n} above the configured maximum is refused with 400 {@code PAGINATION_NUMBER_INVALID}
 * and the detail {@code {"n": <n>}}: that is what distribution 2.8.2+ does for the catalog
 * ({@code catalog.maxentries}, default 1000, the fix of CVE-2023-2253) and what distribution 3
 * does for tags too. Silently clamping would also be spec-legal ("may return fewer"), but an
 * error tells the client its page size was not honoured. A non-numeric or negative {@code n} is
 * the same error. {@code n} absent means the maximum, with a {@code Link} when there is more.
 */
public record Pagination(int n, String last) {

    public static Pagination parse(String nParam, String last, int max) {
        int n = max;
        if (nParam != null && !nParam.isEmpty()) {
            try {
                n = Integer.parseInt(nParam);
            } catch (NumberFormatException e) {
                throw invalid(nParam, max);
            }
            if (n < 0 || n > max) {
                throw invalid(nParam, max);
            }
        }
        return new Pagination(n, last == null || last.isEmpty() ? null : last);
    }

    /** {@code <path?last=…&n=…>; rel="next"} (spec: "Listing Tags", distribution's catalog). */
    public String nextLink(String path, String lastReturned) {
        return "<" + path + "?last=" + lastReturned + "&n=" + n + ">; rel=\"next\"";
    }

    private static OciException invalid(String n, int max) {
        return new OciException(ErrorCode.PAGINATION_NUMBER_INVALID,
                "invalid number of results requested: n must be an integer from 0 to " + max, Map.of("n", n));
    }
}
