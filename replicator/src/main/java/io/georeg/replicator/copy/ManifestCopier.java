package io.georeg.replicator.copy;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.primary.FetchedManifest;
import io.georeg.replicator.primary.PrimaryContent;

/**
 * Copies a manifest by digest into a repository of the replica, in the order that keeps the
 * replica pullable at every instant: an index's children first (recursively), a manifest's blobs
 * (config and layers) first, the manifest itself last, and it becomes visible only then (the
 * replica refuses it while anything is missing). A manifest already stored in the repository is
 * skipped without asking the primary. The primary's bytes are verified against the digest by
 * {@link PrimaryContent} before anything is written. Writes go through the writer each call names
 * (see {@link BlobCopier}). Used by {@link ReplicationWorker}.
 */
final class ManifestCopier {
    /** An index of indexes of indexes is already exotic; deeper means a loop or an attack. */
    private static final int MAX_DEPTH = 4;

    private final PrimaryContent primary;
    private final ReplicaReader reader;
    private final BlobCopier blobs;
    private final CopyObserver observer;

    ManifestCopier(PrimaryContent primary, ReplicaReader reader, BlobCopier blobs, CopyObserver observer) {
        this.primary = primary;
        this.reader = reader;
        this.blobs = blobs;
        this.observer = observer;
    }

    void copy(ReplicaWriter replica, RepositoryName repository, Digest digest) {
        copy(replica, repository, digest, 0);
    }

    /** Copies a manifest already fetched from the primary (a tag's current answer). */
    void copy(ReplicaWriter replica, RepositoryName repository, FetchedManifest fetched) {
        if (reader.manifest(repository, new Reference.ByDigest(fetched.digest()))
                .isPresent()) {
            return;
        }
        store(replica, repository, fetched, 0);
    }

    private void copy(ReplicaWriter replica, RepositoryName repository, Digest digest, int depth) {
        if (depth > MAX_DEPTH) {
            throw new io.georeg.replicator.queue.WorkFailedException(
                    "invalid_manifest",
                    "index nesting deeper than " + MAX_DEPTH + " at " + repository + "@" + digest,
                    true,
                    null);
        }
        if (reader.manifest(repository, new Reference.ByDigest(digest)).isPresent()) {
            return;
        }
        FetchedManifest fetched = primary.manifest(repository, new Reference.ByDigest(digest))
                .orElseThrow(() -> Failures.notFound("manifest " + repository + "@" + digest));
        store(replica, repository, fetched, depth);
    }

    private void store(ReplicaWriter replica, RepositoryName repository, FetchedManifest fetched, int depth) {
        ParsedManifest parsed = ManifestParser.parse(fetched.content(), fetched.mediaType());
        for (Descriptor child : parsed.children()) {
            copy(replica, repository, child.digest(), depth + 1);
        }
        for (Descriptor blob : parsed.blobs()) {
            blobs.copy(replica, repository, blob.digest(), blob.size());
        }
        replica.putManifest(repository, fetched.content(), fetched.mediaType(), fetched.digest());
        observer.manifestCopied();
    }
}
