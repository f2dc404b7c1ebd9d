package io.georeg.replicator.copy;

import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.primary.ManifestHead;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.WorkHandler;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkKind;
import java.util.Optional;

/**
 * Carries out one work item against the replica, reading from the primary:
 * <ul>
 *   <li>push of a manifest: copy it with everything it references ({@link ManifestCopier}), then,
 *       for a tag, move the tag last;</li>
 *   <li>push or mount of a blob: link or copy it ({@link BlobCopier});</li>
 *   <li>delete of a tag: remove it, unless the primary has the tag again (then follow it there);</li>
 *   <li>delete of a digest: distribution sends the same event for a manifest and a blob delete,
 *       so ask the primary which of the two is gone and remove that (both, when both are).</li>
 * </ul>
 * Failures leave as {@link io.georeg.replicator.queue.WorkFailedException} classified by
 * {@link Failures}. Run by the {@link io.georeg.replicator.queue.WorkScheduler}'s workers.
 */
public final class ReplicationWorker implements WorkHandler {
    private final PrimaryContent primary;
    private final ReplicaWriter replica;
    private final CopyObserver observer;
    private final BlobCopier blobs;
    private final ManifestCopier manifests;

    public ReplicationWorker(PrimaryContent primary, ReplicaReader reader, ReplicaWriter replica, CopyObserver observer,
            Throttle throttle) {
        this.primary = primary;
        this.replica = replica;
        this.observer = observer;
        this.blobs = new BlobCopier(primary, replica, observer, throttle);
        this.manifests = new ManifestCopier(primary, reader, replica, blobs, observer);
    }

    @Override
    public void handle(WorkItem item) {
        try {
            switch (item.operation()) {
                case PUSH_MANIFEST -> pushManifest(item);
                case PUSH_BLOB -> blobs.copy(item.repository(), item.digest().orElseThrow(), item.size());
                case DELETE -> delete(item);
            }
        } catch (RuntimeException e) {
            throw Failures.classify(e);
        }
    }

    private void pushManifest(WorkItem item) {
        Digest digest = item.digest().orElseThrow();
        manifests.copy(item.repository(), digest);
        if (item.kind() == WorkKind.TAG) {
            replica.tag(item.repository(), Tag.of(item.ref()), digest);
        }
    }

    private void delete(WorkItem item) {
        RepositoryName repository = item.repository();
        if (item.kind() == WorkKind.TAG) {
            Tag tag = Tag.of(item.ref());
            Optional<ManifestHead> now = primary.headManifest(repository, new Reference.ByTag(tag));
            if (now.isPresent()) {
                // Pushed again since the delete: the replica follows the primary's current state.
                manifests.copy(repository, now.get().digest());
                replica.tag(repository, tag, now.get().digest());
            } else {
                replica.untag(repository, tag);
                observer.deletePropagated();
            }
            return;
        }
        Digest digest = item.digest().orElseThrow();
        if (primary.headManifest(repository, new Reference.ByDigest(digest)).isEmpty()) {
            replica.deleteManifest(repository, digest);
        }
        if (!primary.blobExists(repository, digest)) {
            replica.unlinkBlob(repository, digest);
        }
        observer.deletePropagated();
    }
}
