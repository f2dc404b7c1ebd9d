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
 *                      the replica's storage)
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
    }
}
