package io.georeg.replicator.intake;

import io.georeg.replicator.queue.WorkRequest;
import java.util.List;

/**
 * Turns a notification event into the work it asks for (distribution 2.8's event shapes, see
 * {@code replicator/src/test/resources/notifications/distribution-2.8/README.md}): a manifest pushed by tag moves the tag; one
 * pushed by digest (an index child) is stored; a blob push or cross-repository mount links the
 * blob; a delete with a tag (and no digest) removes the tag; a delete with a digest removes the
 * manifest or blob (which one, the worker asks the primary). GitLab's registry adds two: a delete
 * naming only the repository reconciles that repository, and a rename reconciles the old path and
 * the new one with everything below each (the old place loses its tags, the new one gets the
 * primary's, tag by tag from the primary's answer, so a rename re-sent, reordered with pushes or
 * undone later converges all the same). Pulls and unknown actions ask for nothing. Pure; called by
 * {@link EventStore}.
 */
public final class EventClassifier {
    static final String SOURCE = "event";

    private EventClassifier() {}

    public static List<WorkRequest> workFor(NotificationEvent e) {
        return switch (e.action()) {
            case "push", "mount" -> List.of(push(e));
            case "delete" -> List.of(delete(e));
            case "rename" ->
                e.rename()
                        .map(r -> List.of(
                                WorkRequest.reconcilePath(r.from(), true, e.timestamp(), SOURCE),
                                WorkRequest.reconcilePath(r.to(), true, e.timestamp(), SOURCE)))
                        .orElse(List.of());
            default -> List.of();
        };
    }

    private static WorkRequest push(NotificationEvent e) {
        var digest = e.digest().orElseThrow();
        if (e.target() == NotificationEvent.Target.MANIFEST) {
            return e.tag()
                    .map(t -> WorkRequest.tagPush(e.repository(), t, digest, e.timestamp(), SOURCE))
                    .orElseGet(() -> WorkRequest.manifestPush(e.repository(), digest, e.timestamp(), SOURCE));
        }
        return WorkRequest.blobPush(e.repository(), digest, e.size(), e.timestamp(), SOURCE);
    }

    private static WorkRequest delete(NotificationEvent e) {
        if (e.isRepositoryDelete()) {
            return WorkRequest.reconcilePath(e.repository(), false, e.timestamp(), SOURCE);
        }
        if (e.digest().isPresent()) {
            return WorkRequest.digestDelete(e.repository(), e.digest().get(), e.timestamp(), SOURCE);
        }
        return WorkRequest.tagDelete(e.repository(), e.tag().orElseThrow(), e.timestamp(), SOURCE);
    }
}
