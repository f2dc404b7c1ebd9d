package io.georeg.read.api;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
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
 *
 * <p>{@code last} is a value of an earlier page (spec: "the last tag value"): a tag in the tags
 * list, a repository name in the catalog. Anything else (a NUL byte, invalid UTF-8, any character
 * neither grammar allows) is refused with 400 before it reaches the database, which would fail on
 * some of them; distribution compares any string, but no page of ours can have produced it.
 */
public record Pagination(int n, String last) {

    /** What {@code last} names, with its grammar and the error a value outside it gets. */
    public enum Listing {
        TAGS(ErrorCode.TAG_INVALID, "a tag") {
            @Override
            boolean valid(String last) {
                return Tag.isValid(last);
            }
        },
        CATALOG(ErrorCode.NAME_INVALID, "a repository name") {
            @Override
            boolean valid(String last) {
                return RepositoryName.isValid(last);
            }
        };

        private final ErrorCode invalid;
        private final String what;

        Listing(ErrorCode invalid, String what) {
            this.invalid = invalid;
            this.what = what;
        }

        abstract boolean valid(String last);
    }

    public static Pagination parse(Listing listing, String nParam, String last, int max) {
        if (last != null && !last.isEmpty() && !listing.valid(last)) {
            throw new OciException(
                    listing.invalid,
                    "invalid last: it must be " + listing.what + " from an earlier page",
                    Map.of("last", printable(last)));
        }
        return parse(nParam, last, max);
    }

    /** {@code n} and {@code last} without checking {@code last} (a listing's own rule is {@link #parse(Listing, String, String, int)}). */
    static Pagination parse(String nParam, String last, int max) {
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

    /** The value for an error detail: control characters shown as escapes, at most 100 characters. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(100).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static OciException invalid(String n, int max) {
        return new OciException(
                ErrorCode.PAGINATION_NUMBER_INVALID,
                "invalid number of results requested: n must be an integer from 0 to " + max,
                Map.of("n", n));
    }
}
