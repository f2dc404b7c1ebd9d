package io.georeg.read.api;

import io.georeg.oci.ErrorCode;

/**
 * One byte range of a blob (RFC 9110 section 14): first and last byte, inclusive. Parses the
 * {@code Range} header forms registries see ({@code bytes=a-b}, {@code bytes=a-},
 * {@code bytes=-n}); a header that is not a single byte range is ignored and the whole blob is
 * served, as RFC 9110 allows. A well-formed range that misses the blob is 416 with
 * {@code Content-Range: bytes *}{@code /size}.
 */
public record ByteRange(long first, long last) {

    public long length() {
        return last - first + 1;
    }

    public String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /**
     * @return the range to serve, or null to serve the whole blob
     * @throws OciHttpException RANGE_INVALID (416) when the range cannot be satisfied
     */
    public static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null; // multipart ranges: serve the whole blob instead
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (a.isEmpty()) {
            long suffix = number(b);
            if (suffix < 0) {
                return null;
            }
            if (suffix == 0 || size == 0) {
                throw unsatisfiable(size);
            }
            return new ByteRange(Math.max(0, size - suffix), size - 1);
        }
        long first = number(a);
        long last = b.isEmpty() ? size - 1 : number(b);
        if (first < 0 || last < 0 || (!b.isEmpty() && last < first)) {
            return null; // syntactically invalid: ignored (RFC 9110 14.2)
        }
        if (first >= size) {
            throw unsatisfiable(size);
        }
        return new ByteRange(first, Math.min(last, size - 1));
    }

    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private static OciHttpException unsatisfiable(long size) {
        return new OciHttpException(
                ErrorCode.RANGE_INVALID,
                "requested range not satisfiable for a blob of " + size + " bytes",
                null,
                "Content-Range",
                "bytes */" + size);
    }
}
