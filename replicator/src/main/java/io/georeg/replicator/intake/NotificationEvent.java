package io.georeg.replicator.intake;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.time.Instant;
import java.util.Optional;

/**
 * One event of distribution's notification envelope, validated, with what the replicator reads
 * from it. Built by {@link EnvelopeParser}; stored by {@link EventStore}.
 *
 * @param id the event id, stable across the registry's re-sends (the idempotency key)
 * @param action push, pull, mount, delete, or whatever a newer registry sends (kept, not queued)
 * @param target {@code manifest} or {@code blob} when the event says which; see {@link Target}
 * @param digest absent on tag deletes
 * @param tag present on manifest events made by tag and on tag deletes
 * @param mediaType as sent: blob events carry application/octet-stream, deletes nothing
 * @param size declared size, -1 when absent
 * @param json the event object as received, stored for audit and replay
 */
public record NotificationEvent(
        String id,
        Instant timestamp,
        String action,
        Target target,
        RepositoryName repository,
        Optional<Digest> digest,
        Optional<Tag> tag,
        Optional<String> mediaType,
        long size,
        String json) {

    /** What the event is about, as far as the event itself can tell. */
    public enum Target {
        MANIFEST,
        BLOB,
        /** A delete by digest: distribution sends the same shape for a manifest and a blob delete. */
        UNKNOWN
    }

    public boolean isPull() {
        return "pull".equals(action);
    }
}
