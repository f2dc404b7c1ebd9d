package io.georeg.replicator.queue;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.time.Instant;
import java.util.Optional;

/**
 * A claimed row of {@code replication_work}: what to do, and the bookkeeping the queue needs to
 * finish it (generation, attempts). Handed by {@link WorkScheduler} to a {@link WorkHandler}.
 *
 * @param attempts attempts so far, including this one
 * @param firstEventAt the oldest request this item carries out: lag is measured from here
 */
public record WorkItem(
        long id,
        RepositoryName repository,
        WorkKind kind,
        String ref,
        WorkOperation operation,
        Optional<Digest> digest,
        Optional<String> mediaType,
        long size,
        int generation,
        int attempts,
        Instant firstEventAt,
        String source) {

    @Override
    public String toString() {
        return "#" + id + " " + operation.column() + " " + repository + (kind == WorkKind.TAG ? ":" : "@") + ref
                + digest.filter(d -> kind == WorkKind.TAG).map(d -> " -> " + d).orElse("");
    }
}
