package io.georeg.failover.promote;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What {@code georeg promote} was asked to do.
 *
 * @param routers       every router of the secondary site
 * @param adminToken    their {@code router.admin.token}
 * @param newPrimary    the registry that takes writes from now on (a stock distribution serving
 *                      the replica's storage), kept as the http(s) origin the routers store
 *                      ({@link #origin})
 * @param drainTimeout  longest wait for the queue to drain (each of the two drains)
 * @param verifyTimeout longest verification pass
 * @param runWorkers    copy in this process too (when no replicator is running)
 * @param force         switch even when a check failed (unplanned failover: the old primary is gone)
 */
public record PromotionOptions(
        List<URI> routers,
        String adminToken,
        URI newPrimary,
        Duration drainTimeout,
        Duration verifyTimeout,
        boolean runWorkers,
        boolean force) {
    public PromotionOptions {
        routers = List.copyOf(routers);
        if (routers.isEmpty()) {
            throw new IllegalArgumentException("name at least one router with --router");
        }
        newPrimary = origin(newPrimary);
    }

    /**
     * {@code url} as the routers keep a primary: {@code scheme://authority}. The router's admin API
     * refuses anything else, and keeps {@code http://host:5000/} as {@code http://host:5000}; so a
     * URL it would refuse is refused here, before any router is frozen, and one it would shorten is
     * shortened here, so that the promotion compares the primary each router reports with what it
     * switched to, not with the text typed.
     */
    public static URI origin(URI url) {
        String path = url.getRawPath();
        if (!url.isAbsolute()
                || url.getHost() == null
                || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                || (path != null && !path.isEmpty() && !path.equals("/"))
                || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "--new-primary must be an http(s) origin without a path, e.g. http://registry-b.internal:5000; got "
                            + url);
        }
        return URI.create(url.getScheme() + "://" + url.getRawAuthority());
    }
}
