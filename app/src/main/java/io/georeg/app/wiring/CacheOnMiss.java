package io.georeg.app.wiring;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.reconcile.RepositoryFilter;
import io.georeg.router.fallback.ReplicaMissListener;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache on miss: a manifest or blob read the replica missed and the primary served is queued for
 * replication on the replicator's {@link WorkQueue} at once, rather than at the next reconcile.
 * Tags become tag pushes (at the digest the primary stores under the tag, which the router asks
 * for with every manifest type: never the digest of what one client negotiated), digests manifest
 * or blob pushes; other routes (tag lists, referrers, the catalog) are left to reconcile.
 * Selective sync ({@code replicator.sync.include/exclude}) applies: a miss in a repository this
 * site does not replicate queues nothing. The router calls it off the
 * request path ({@link ReplicaMissListener}); the router component wires it when the process has a
 * tracking database.
 */
final class CacheOnMiss implements ReplicaMissListener {
    private static final Logger LOG = LoggerFactory.getLogger(CacheOnMiss.class);
    static final String SOURCE = "cache-on-miss";

    private final WorkQueue queue;
    private final RepositoryFilter sync;
    private final Clock clock;

    /** @param sync selective sync ({@code replicator.sync}): misses in other repositories queue nothing */
    CacheOnMiss(WorkQueue queue, RepositoryFilter sync, Clock clock) {
        this.queue = queue;
        this.sync = sync;
        this.clock = clock;
    }

    @Override
    public void onMiss(Miss miss) {
        request(miss).ifPresent(r -> {
            queue.enqueue(List.of(r));
            LOG.debug("queued replication of {} {} after a replica miss", r.repository(), r.ref());
        });
    }

    static Optional<WorkRequest> request(Miss miss, RepositoryFilter sync, java.time.Instant now) {
        if (miss.repository() == null || miss.reference() == null || !RepositoryName.isValid(miss.repository())) {
            return Optional.empty();
        }
        RepositoryName repository = RepositoryName.of(miss.repository());
        if (!sync.replicates(repository)) {
            return Optional.empty();
        }
        return switch (miss.routeId()) {
            case MANIFEST_READ -> {
                if (Tag.isValid(miss.reference())) {
                    yield miss.digest() == null
                            ? Optional.empty()
                            : Optional.of(WorkRequest.tagPush(
                                    repository, Tag.of(miss.reference()), Digest.parse(miss.digest()), now, SOURCE));
                }
                yield Optional.of(WorkRequest.manifestPush(repository, Digest.parse(miss.reference()), now, SOURCE));
            }
            case BLOB_READ ->
                Optional.of(WorkRequest.blobPush(repository, Digest.parse(miss.reference()), miss.size(), now, SOURCE));
            default -> Optional.empty();
        };
    }

    private Optional<WorkRequest> request(Miss miss) {
        return request(miss, sync, clock.instant());
    }
}
