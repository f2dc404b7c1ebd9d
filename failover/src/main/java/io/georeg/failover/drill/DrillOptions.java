package io.georeg.failover.drill;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@code georeg drill} was asked to do.
 *
 * @param routers       every router of the secondary site, at its operator listener (all are
 *                      switched)
 * @param registries    where the sample is pulled and the push tried, round-robin, as clients do;
 *                      empty: the public URLs the routers report
 * @param adminToken    the routers' {@code router.admin.token}
 * @param sample        how many replicated images to pull
 * @param username      registry credentials for the pulls (empty: anonymous)
 * @param password      their password
 * @param observeOutage verify a real primary outage instead of switching the routers
 * @param maxLag        pre-check: the oldest unreplicated change may be at most this old
 * @param maxPending    pre-check: at most this many changes pending or in progress
 * @param maxFailed     pre-check: at most this many permanently failed changes
 */
public record DrillOptions(
        List<URI> routers,
        List<URI> registries,
        String adminToken,
        int sample,
        Optional<String> username,
        Optional<String> password,
        boolean observeOutage,
        Duration maxLag,
        long maxPending,
        long maxFailed) {
    public DrillOptions {
        routers = List.copyOf(routers);
        registries = registries == null ? List.of() : List.copyOf(registries);
        if (routers.isEmpty()) {
            throw new IllegalArgumentException("name at least one router with --router");
        }
        if (sample < 1) {
            throw new IllegalArgumentException("--sample must be at least 1");
        }
    }
}
