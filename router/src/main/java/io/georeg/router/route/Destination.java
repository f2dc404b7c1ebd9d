package io.georeg.router.route;

/** Where the router sends a classified request. */
public enum Destination {
    /** The primary site's registry: every write, and anything the table does not know. */
    PRIMARY,
    /** The local read replica (registry-read), with fallback to the primary on a miss. */
    REPLICA,
    /** The primary site's token endpoint (distribution's {@code auth.token} realm). */
    AUTH,
    /** Answered by the router itself: health, readiness, metrics. */
    LOCAL,
    /** Refused by the router with an OCI error: paths that could be read two ways. */
    REJECT;

    /** Lower-case label for logs and metrics. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
