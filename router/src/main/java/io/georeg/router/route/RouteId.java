package io.georeg.router.route;

import java.util.Locale;

/**
 * The rows of the route table, by name: what the dispatcher, the access log, the metrics and the
 * cache-on-miss wiring know a classified request by. {@link #label()} is the id as logs and
 * metrics show it ({@code manifest-read}).
 */
public enum RouteId {
    /** A path that could be read two ways ({@code io.georeg.oci.PathGrammar#ambiguity}): refused. */
    AMBIGUOUS_PATH,
    /**
     * A path longer than {@code PathGrammar.MAX_PATH_LENGTH}: no registry API path is (names are at
     * most 255 characters, references 128 or a digest), so it is refused rather than proxied.
     */
    PATH_TOO_LONG,
    /**
     * A method the registry API does not use ({@link RouteTable#API_METHODS}): refused with 405
     * {@code UNSUPPORTED}, never proxied. A request line whose method is a run of another
     * connection's bytes ({@code pppp…GET}) is one, whatever put it there.
     */
    METHOD_NOT_ALLOWED,
    /** {@code /-/health} and {@code /-/ready}. */
    HEALTH,
    METRICS,
    /** The replication status page. */
    STATUS,
    /** The admin API of {@code georeg drill} and {@code promote}. */
    ADMIN,
    /** The primary site's token endpoint. */
    TOKEN,
    /** Upload sessions (push side). */
    BLOB_UPLOAD,
    /** {@code /v2/}: the API version check. */
    BASE,
    CATALOG,
    MANIFEST_READ,
    BLOB_READ,
    TAGS_LIST,
    REFERRERS,
    /** Manifest {@code PUT} and {@code DELETE}. */
    MANIFEST_WRITE,
    BLOB_DELETE,
    /** Whatever no row claims: the primary decides. */
    DEFAULT_PRIMARY;

    private final String label = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** The id in access logs and metric labels. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
