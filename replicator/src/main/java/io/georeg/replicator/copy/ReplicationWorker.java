package io.georeg.replicator.copy;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.DeletedSinceException;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replica.Tombstones;
import io.georeg.replicator.primary.FetchedManifest;
import io.georeg.replicator.primary.ManifestHead;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkDeferredException;
import io.georeg.replicator.queue.WorkFailedException;
import io.georeg.replicator.queue.WorkHandler;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkKind;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one work item against the replica, reading from the primary:
 * <ul>
 *   <li>a tag (pushed, overwritten or deleted, whatever the request said): the replica's tag
 *       becomes what the primary answers for it now ({@link #syncTag});</li>
 *   <li>push of a manifest by digest: copy it with everything it references ({@link ManifestCopier});</li>
 *   <li>push or mount of a blob: link or copy it ({@link BlobCopier});</li>
 *   <li>delete of a digest: distribution sends the same event for a manifest and a blob delete,
 *       so ask the primary which of the two is gone and remove that (both, when both are);</li>
 *   <li>a repository path (GitLab's repository delete and rename): reconcile it, and what is below
 *       it for a rename, from the primary ({@link PathReconcile}), which queues a tag row for each
 *       tag that differs.</li>
 * </ul>
 *
 * <p><b>Tag truth.</b> A notification's digest is only a hint that the tag changed: events from
 * several primary instances arrive in any order, are re-sent, and can be forged, so a tag is
 * never moved to the digest an event carries. The worker GETs the tag from the primary (every
 * manifest type in {@code Accept}, bytes checked against the digest) when it runs and applies that
 * answer, or removes the tag when the primary answers 404. The one use of the event's digest: a
 * push whose manifest the primary has but whose tag it does not show yet (distribution notifies
 * before it links the tag) defers the row for a moment ({@link PushedTagLink}). Whatever happens on the primary after
 * that GET is a newer change, with an event (or the next reconcile) of its own, which makes the
 * tag's work row run again (see {@link WorkQueue}: a request for a running row bumps its
 * generation, and the row runs again when this run completes); one row per tag means no two
 * workers apply one tag at once, and a run that lost its lease has its row run again
 * ({@link WorkQueue#requeue}). So the replica's tag converges to the primary's current one.
 *
 * <p>A manifest delete also drops the replica's tags that pointed at it; the primary may have
 * pointed one of them at the same digest again meanwhile, so each dropped tag is queued to be
 * synced from the primary. <b>Deletes are not undone by a copy that read the primary before
 * them</b>: a copy reads the replica's delete generation before it reads the primary and stores
 * through a writer that refuses content whose delete the replica applied after that
 * ({@link ReplicaWriter#refusingDeletesAfter}, a tombstone checked under the delete's own lock in
 * the storing transaction; a tag removed leaves one too, checked when the sync stores the tag).
 * A tag sync so refused asks the primary again; a push item so refused
 * is done (the delete came later). A tag sync that ran longer than tombstones are safely kept
 * also confirms its write with a HEAD of the tag and removes a manifest the primary deleted
 * meanwhile (a delete whose tombstone may have been pruned), with the blob links the primary no
 * longer has.
 *
 * <p>Failures leave as {@link io.georeg.replicator.queue.WorkFailedException} classified by
 * {@link Failures}. Run by the {@link io.georeg.replicator.queue.WorkScheduler}'s workers.
 */
public final class ReplicationWorker implements WorkHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationWorker.class);
    /** A tag that moves on the primary during this many syncs in a row is retried later (with backoff). */
    private static final int MAX_SYNC_ROUNDS = 3;
    /**
     * A tag sync that took longer than this from reading the delete generation to its last write
     * confirms that write with a {@code HEAD} of the tag; a quicker one does not need to (see
     * {@link #syncTag}). A sixth of the tombstones' lifetime, so that a step of the database's
     * clock of up to 50 minutes still leaves every tombstone the sync could meet unpruned.
     */
    static final Duration CONFIRM_AFTER = Tombstones.KEPT.dividedBy(6);

    private final PrimaryContent primary;
    private final ReplicaWriter replica;
    private final WorkQueue queue;
    private final CopyObserver observer;
    private final BlobCopier blobs;
    private final ManifestCopier manifests;
    private final PathReconcile paths;
    private final PushedTagLink pushedTagLink;

    /** Reconciles a repository path from the primary (the reconcile crawl's, for this worker). */
    @FunctionalInterface
    public interface PathReconcile {
        /**
         * @param withBelow also every repository below {@code path}
         * @return one line per repository that could not be crawled
         */
        List<String> reconcile(RepositoryName path, boolean withBelow);
    }

    public ReplicationWorker(
            PrimaryContent primary,
            ReplicaReader reader,
            ReplicaWriter replica,
            WorkQueue queue,
            CopyObserver observer,
            Throttle throttle,
            PathReconcile paths) {
        this.primary = primary;
        this.paths = paths;
        this.replica = replica;
        this.queue = queue;
        this.observer = observer;
        this.blobs = new BlobCopier(primary, observer, throttle);
        this.manifests = new ManifestCopier(primary, reader, blobs, observer);
        this.pushedTagLink = new PushedTagLink(primary);
    }

    @Override
    public void handle(WorkItem item) {
        try {
            if (item.kind() == WorkKind.TAG) {
                syncTag(item, Tag.of(item.ref()));
                return;
            }
            if (item.kind() == WorkKind.REPOSITORY) {
                List<String> errors = paths.reconcile(item.repository(), WorkKind.TREE.equals(item.ref()));
                if (!errors.isEmpty()) {
                    // Retried with backoff: a repository left out now would keep tags the primary moved away.
                    throw new WorkFailedException(
                            FailureReason.RECONCILE_INCOMPLETE, String.join("; ", errors), false, null);
                }
                return;
            }
            switch (item.operation()) {
                case PUSH_MANIFEST ->
                    manifests.copy(guarded(), item.repository(), item.digest().orElseThrow());
                case PUSH_BLOB ->
                    blobs.copy(guarded(), item.repository(), item.digest().orElseThrow(), item.size());
                case DELETE -> deleteDigest(item);
                case RECONCILE -> throw new IllegalStateException("reconcile of a digest row " + item.ref());
            }
        } catch (DeletedSinceException e) {
            LOG.debug("{}: {}, nothing stored", item, e.getMessage());
        } catch (WorkDeferredException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.classify(e);
        }
    }

    /**
     * Makes the replica's tag what the primary answers for it now: its manifest, or no tag. When
     * the replica's tag already points at that manifest nothing is written: the replica's tag is
     * read after the primary's answer (so no older state of the replica counts), and a change on
     * either side after that is a newer change with a run of its own (an event, or a manifest
     * delete here queuing the tags it dropped). The answer can be overtaken while the copy runs
     * (the tag moved, or the manifest was deleted and its delete already applied here, which the
     * copy would undo). A delete applied here after the sync read the delete generation left a
     * tombstone that refuses the write ({@link ReplicaWriter#refusingDeletesAfter}: the sync asks
     * the primary again), one applied later removes what the sync wrote, and a tag moved meanwhile
     * has a newer request that runs the row again; so the write needs no confirmation while every
     * tombstone it could meet is still kept. Only a sync that ran longer than
     * {@link #CONFIRM_AFTER} (a tombstone may have been pruned since it read the generation)
     * confirms its write with a HEAD of the tag, and otherwise removes the manifest again when the
     * primary no longer has it, and syncs the tag once more. A push the primary has not linked the
     * tag to yet defers the row first ({@link PushedTagLink}). A manifest the primary serves under
     * the tag without something it references cannot be stored: the replica drops the tag (so its
     * reads go to the primary) and the row fails ({@code not_found}).
     */
    private void syncTag(WorkItem item, Tag tag) {
        RepositoryName repository = item.repository();
        for (int round = 1; round <= MAX_SYNC_ROUNDS; round++) {
            long started = System.nanoTime();
            ReplicaWriter guarded = guarded();
            Optional<FetchedManifest> current = primary.manifest(repository, new Reference.ByTag(tag));
            if (round == 1) {
                current = pushedTagLink.deferUntilShown(item, repository, tag, current);
            }
            if (current.isEmpty()) {
                replica.untag(repository, tag);
                observer.deletePropagated();
                return;
            }
            Digest digest = current.get().digest();
            if (replica.taggedManifest(repository, tag).equals(Optional.of(digest))) {
                // Already what the primary answered (a re-sent event, a re-push, a tag's events
                // coalesced): nothing to write, so no write for a HEAD to confirm or undo.
                return;
            }
            try {
                manifests.copy(guarded, repository, current.get());
                guarded.tag(repository, tag, digest);
            } catch (DeletedSinceException e) {
                LOG.debug("{}:{}: {}, asking the primary again", repository, tag, e.getMessage());
                continue;
            } catch (WorkFailedException e) {
                if (e.reason() != FailureReason.NOT_FOUND) {
                    throw e;
                }
                // The primary serves the tag's manifest without something it references (an index
                // child or a layer deleted by digest since: distribution allows both). The replica
                // cannot hold that manifest, and must not keep answering the tag with the image it
                // named before, which the primary no longer serves under it: without the tag here,
                // its reads fall back to the primary. A later change of the tag runs the row again,
                // and so does each of those reads (cache on miss): with the tag gone already, such a
                // run leaves no tombstone.
                if (replica.taggedManifest(repository, tag).isPresent()) {
                    replica.untag(repository, tag);
                }
                throw e;
            }
            if (System.nanoTime() - started < CONFIRM_AFTER.toNanos()) {
                return;
            }
            Optional<Digest> confirmed =
                    primary.headManifest(repository, new Reference.ByTag(tag)).map(ManifestHead::digest);
            if (confirmed.equals(Optional.of(digest))) {
                return;
            }
            if (primary.headManifest(repository, new Reference.ByDigest(digest)).isEmpty()) {
                undoCopy(repository, tag, current.get());
            }
        }
        throw new WorkFailedException(
                FailureReason.TAG_MOVING,
                repository + ":" + tag + " moved on the primary during each of " + MAX_SYNC_ROUNDS + " syncs",
                false,
                null);
    }

    /** A writer for a copy about to read the primary: it refuses content deleted here from now on. */
    private ReplicaWriter guarded() {
        return replica.refusingDeletesAfter(replica.deleteGeneration());
    }

    /**
     * Removes a manifest this sync stored although the primary had deleted it meanwhile, and the
     * links to its blobs that the primary no longer has in the repository (a blob delete applied
     * here before the copy linked the blob again).
     */
    private void undoCopy(RepositoryName repository, Tag tag, FetchedManifest copied) {
        List<Tag> dropped = replica.deleteManifest(repository, copied.digest());
        resync(repository, dropped.stream().filter(t -> !t.equals(tag)).toList(), "event");
        for (Descriptor blob :
                ManifestParser.parse(copied.content(), copied.mediaType()).blobs()) {
            if (!primary.blobExists(repository, blob.digest())) {
                replica.unlinkBlob(repository, blob.digest());
            }
        }
    }

    /** Queues a sync of tags a manifest delete took from the replica (the primary may have them elsewhere). */
    private void resync(RepositoryName repository, List<Tag> tags, String source) {
        Instant now = Instant.now();
        queue.enqueue(tags.stream()
                .map(t -> WorkRequest.tagDelete(repository, t, now, source))
                .toList());
    }

    private void deleteDigest(WorkItem item) {
        RepositoryName repository = item.repository();
        Digest digest = item.digest().orElseThrow();
        if (primary.headManifest(repository, new Reference.ByDigest(digest)).isEmpty()) {
            resync(repository, replica.deleteManifest(repository, digest), item.source());
        }
        if (!primary.blobExists(repository, digest)) {
            replica.unlinkBlob(repository, digest);
        }
        observer.deletePropagated();
    }
}
