package io.georeg.oci;

import java.util.Set;

/**
 * The endpoints of the distribution API that a read replica serves, and the methods it serves on
 * each, declared once: the router's route table sends exactly these to the replica (anything else
 * goes to its default, the primary), and registry-read answers {@code OPTIONS} with them and a
 * method outside them with 405 and this {@code Allow}. The methods are distribution 2.8's for the
 * pull side: {@code /v2/}, manifests and blobs take {@code GET} and {@code HEAD}; the tags list and
 * the catalog only {@code GET} (distribution answers their {@code HEAD} 405 with {@code Allow:
 * GET}, whether the repository exists or not). The referrers list (OCI distribution spec 1.1,
 * which declares only {@code GET}; distribution 2.8 lacks it) keeps {@code HEAD} as well: the
 * router's fallback gives a {@code HEAD} of it its own answer when the primary lacks the API.
 */
public enum ReadEndpoint {
    BASE(Set.of("GET", "HEAD")),
    CATALOG(Set.of("GET")),
    MANIFEST(Set.of("GET", "HEAD")),
    BLOB(Set.of("GET", "HEAD")),
    TAGS_LIST(Set.of("GET")),
    REFERRERS(Set.of("GET", "HEAD"));

    private final Set<String> methods;
    private final String allow;

    ReadEndpoint(Set<String> methods) {
        this.methods = methods;
        this.allow = methods.contains("HEAD") ? "GET, HEAD" : "GET";
    }

    /** The methods served, compared case-sensitively (RFC 9110 section 9.1). */
    public Set<String> methods() {
        return methods;
    }

    /** The {@code Allow} header value of this endpoint, in distribution's order. */
    public String allow() {
        return allow;
    }
}
