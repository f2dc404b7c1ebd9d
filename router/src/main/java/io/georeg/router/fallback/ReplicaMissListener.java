package io.georeg.router.fallback;

import io.georeg.router.route.RouteId;

/**
 * Told about each read the replica missed and the primary answered (200), so the wiring can
 * queue its replication at once ("cache on miss") instead of waiting for the next reconcile. The
 * app connects it to the replicator's work queue; the router calls it off the request path, on a
 * virtual thread, and logs what it throws.
 */
@FunctionalInterface
public interface ReplicaMissListener {

    ReplicaMissListener NONE = miss -> {};

    void onMiss(Miss miss);

    /**
     * One missed read.
     *
     * @param routeId    the route of the read: {@code MANIFEST_READ}, {@code BLOB_READ}, {@code TAGS_LIST}, ...
     * @param repository the repository of the path, null for {@code base} and {@code catalog}
     * @param reference  the tag or digest of the path, null where the route has none
     * @param digest     {@code Docker-Content-Digest} of the primary's answer, null when absent
     * @param size       {@code Content-Length} of the primary's answer, -1 when absent
     */
    record Miss(RouteId routeId, String repository, String reference, String digest, long size) {}
}
