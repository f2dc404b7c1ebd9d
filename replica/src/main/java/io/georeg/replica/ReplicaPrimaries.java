package io.georeg.replica;

import java.net.URI;
import java.util.Locale;

/**
 * Which primaries the replica is a replica of: the tracking database's {@code replica_primaries}
 * (migrations V21, V22), one row per primary name with its registry URL {@linkplain #normalize
 * normalized}. The replicator binds and rebinds it ({@code PrimaryBindingStore}); the router reads
 * it ({@link #READ}) to know whether the replica may answer a primary's pulls at all. Here because
 * both sides need the one normalization, and the replica is what the rows describe.
 */
public final class ReplicaPrimaries {
    /**
     * Each bound primary's name and URL, and whether the replica has caught up with it (false from
     * {@code georeg primaries --adopt} to another URL until a full reconcile of it has been applied).
     */
    public static final String READ = """
            SELECT name, url, catching_up_since IS NULL AS caught_up FROM replica_primaries
            """;

    private ReplicaPrimaries() {}

    /**
     * A primary's registry URL as the binding stores and compares it: scheme and host in lower
     * case (both are case-insensitive, RFC 3986 §6.2.2.1), the port explicit (443 for https, 80 for
     * http), no credentials, query or fragment, and no trailing slash on the path (the registry API
     * is always under {@code /v2/}). The one place this is written.
     */
    public static String normalize(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(scheme) ? 443 : "http".equals(scheme) ? 80 : -1;
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + host + (port == -1 ? "" : ":" + port) + path;
    }
}
