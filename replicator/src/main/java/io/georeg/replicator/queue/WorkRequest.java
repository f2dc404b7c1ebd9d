package io.georeg.replicator.queue;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to make one thing of the replica match the primary, before coalescing: "tag T of R
 * points at D", "manifest D is in R", "blob D is in R", "T or D is gone from R", "R (and what is
 * below it) has the primary's tags". Made by the intake
 * from notification events and by reconcile and preheat from crawls; queued by {@link WorkQueue}.
 *
 * @param requestedAt when the primary changed (event timestamp) or when the crawl saw it: lag starts here
 * @param source event, reconcile, preheat
 */
public record WorkRequest(
        RepositoryName repository,
        WorkKind kind,
        String ref,
        WorkOperation operation,
        Optional<Digest> digest,
        Optional<String> mediaType,
        long size,
        Instant requestedAt,
        String source) {

    public WorkRequest {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(requestedAt, "requestedAt");
        boolean tagSync = kind == WorkKind.TAG && operation == WorkOperation.PUSH_MANIFEST;
        if (operation != WorkOperation.DELETE && operation != WorkOperation.RECONCILE && !tagSync && digest.isEmpty()) {
            throw new IllegalArgumentException(operation + " of " + repository + " " + ref + " needs a digest");
        }
    }

    /** The tag {@code tag} of the repository should point at {@code manifest}. */
    public static WorkRequest tagPush(RepositoryName repository, Tag tag, Digest manifest, Instant at, String source) {
        return tagRow(repository, tag, WorkOperation.PUSH_MANIFEST, Optional.of(manifest), at, source);
    }

    /**
     * The primary has the tag and the replica lacks it (the reconcile crawl): the worker copies
     * what the primary answers for the tag when it runs, as for every tag row, without a digest
     * from the crawl to compare with (so no {@code HEAD} per tag to learn one).
     */
    public static WorkRequest tagSync(RepositoryName repository, Tag tag, Instant at, String source) {
        return tagRow(repository, tag, WorkOperation.PUSH_MANIFEST, Optional.empty(), at, source);
    }

    /** The manifest should be stored in the repository (no tag: an index child, a referrer, a push by digest). */
    public static WorkRequest manifestPush(RepositoryName repository, Digest manifest, Instant at, String source) {
        return new WorkRequest(
                repository,
                WorkKind.DIGEST,
                manifest.toString(),
                WorkOperation.PUSH_MANIFEST,
                Optional.of(manifest),
                Optional.empty(),
                -1,
                at,
                source);
    }

    public static WorkRequest blobPush(RepositoryName repository, Digest blob, long size, Instant at, String source) {
        return new WorkRequest(
                repository,
                WorkKind.DIGEST,
                blob.toString(),
                WorkOperation.PUSH_BLOB,
                Optional.of(blob),
                Optional.empty(),
                size,
                at,
                source);
    }

    public static WorkRequest tagDelete(RepositoryName repository, Tag tag, Instant at, String source) {
        return tagRow(repository, tag, WorkOperation.DELETE, Optional.empty(), at, source);
    }

    private static WorkRequest tagRow(
            RepositoryName repository,
            Tag tag,
            WorkOperation operation,
            Optional<Digest> manifest,
            Instant at,
            String source) {
        return new WorkRequest(
                repository, WorkKind.TAG, tag.value(), operation, manifest, Optional.empty(), -1, at, source);
    }

    /**
     * The repository (and with {@code withBelow} every repository below it) should have the tags
     * the primary has there now: a repository deleted or renamed on the primary.
     */
    public static WorkRequest reconcilePath(RepositoryName repository, boolean withBelow, Instant at, String source) {
        return new WorkRequest(
                repository,
                WorkKind.REPOSITORY,
                withBelow ? WorkKind.TREE : WorkKind.SELF,
                WorkOperation.RECONCILE,
                Optional.empty(),
                Optional.empty(),
                -1,
                at,
                source);
    }

    /** A manifest or blob with this digest was deleted from the repository. */
    public static WorkRequest digestDelete(RepositoryName repository, Digest digest, Instant at, String source) {
        return new WorkRequest(
                repository,
                WorkKind.DIGEST,
                digest.toString(),
                WorkOperation.DELETE,
                Optional.of(digest),
                Optional.empty(),
                -1,
                at,
                source);
    }
}
