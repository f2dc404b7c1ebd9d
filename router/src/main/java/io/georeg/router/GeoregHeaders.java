package io.georeg.router;

/** Response headers the router adds to what it proxies, for clients, tests and operators. */
final class GeoregHeaders {
    /** Where the answer came from: {@code replica}, {@code primary}, {@code primary-fallback}, {@code primary-fenced}, {@code auth}. */
    static final String SOURCE = "X-Georeg-Source";
    /** {@code true} on a replica's answer about a tag while the primary is unreachable: the tag may have moved since. */
    static final String POSSIBLY_STALE = "X-Georeg-Possibly-Stale";

    private GeoregHeaders() {}
}
