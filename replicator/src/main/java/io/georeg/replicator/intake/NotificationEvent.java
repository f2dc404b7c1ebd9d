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
 * @param rename present on GitLab's {@code rename} events: where the repository path moved
 * @param json the event object as received (a GitLab actor's user JWT left out), stored for audit
 *     and replay
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
        Optional<Rename> rename,
        String json) {

    /** The actions distribution and GitLab's registry send; anything else is recorded and skipped. */
    public static final java.util.Set<String> KNOWN_ACTIONS =
            java.util.Set.of("push", "pull", "mount", "delete", "rename");

    /**
     * GitLab's {@code target.rename}: the repository path {@code from}, with every repository below
     * it, now lives at {@code to}. {@code type} is {@code name} (the last path component changed)
     * or {@code namespace} (it moved to another group); the replicator treats both alike.
     */
    public record Rename(String type, RepositoryName from, RepositoryName to) {}

    /** A {@code delete} naming only the repository: the whole repository was deleted. */
    public boolean isRepositoryDelete() {
        return "delete".equals(action) && digest.isEmpty() && tag.isEmpty();
    }

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
