package io.georeg.read.api;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The headers that name content by its digest, on manifest and blob answers alike (distribution's
 * {@code Docker-Content-Digest}, and the digest as a strong {@code ETag}), and the conditional
 * read they allow: an {@code If-None-Match} that names the digest (or {@code *}) is answered 304
 * with those two headers and no body. Used by {@link ManifestEndpoint} and {@link BlobEndpoint}.
 */
final class DigestHeaders {
    static final String DIGEST_HEADER = "Docker-Content-Digest";

    private DigestHeaders() {}

    /** Whether {@code If-None-Match} (null when absent) matches the content's digest. */
    static boolean notModified(String inm, String digest) {
        return inm != null && (inm.trim().equals("*") || inm.contains(digest));
    }

    static String etag(String digest) {
        return '"' + digest + '"';
    }

    /** The headers of the 304 that answers a matching {@code If-None-Match}. */
    static void notModified(HttpFields.Mutable out, String digest) {
        out.put(HttpHeader.ETAG, etag(digest));
        out.put(DIGEST_HEADER, digest);
    }
}
