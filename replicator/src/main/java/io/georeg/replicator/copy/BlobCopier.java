package io.georeg.replicator.copy;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.primary.BlobStream;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkFailedException;
import java.io.InputStream;

/**
 * Makes a blob present in a repository of the replica: a blob already stored for any repository
 * is linked (dedup, no bytes move); otherwise it streams from the primary into the replica, which
 * hashes it on the way to a temporary key and commits it only when the digest matches. Never
 * holds a blob in memory. Concurrent copies of one digest in this process download it once
 * ({@link InFlightBlobs}); the others wait and link. Writes go through the writer each call
 * names (a {@link ReplicaWriter#refusingDeletesAfter guarded} one for a copy that read the primary
 * earlier). Used by {@link ManifestCopier} and {@link ReplicationWorker}.
 */
final class BlobCopier {
    private final PrimaryContent primary;
    private final CopyObserver observer;
    private final Throttle throttle;
    private final InFlightBlobs inFlight = new InFlightBlobs();

    BlobCopier(PrimaryContent primary, CopyObserver observer, Throttle throttle) {
        this.primary = primary;
        this.observer = observer;
        this.throttle = throttle;
    }

    void copy(ReplicaWriter replica, RepositoryName repository, Digest digest, long declaredSize) {
        // One read of the blob's state answers "stored?", links it when it is, and tells putBlob
        // what it found when it is not (putBlob does not read it again).
        ReplicaWriter.BlobLink found = replica.linkStoredBlob(repository, digest);
        if (found == ReplicaWriter.BlobLink.LINKED) {
            observer.blobDeduplicated();
            return;
        }
        try (InFlightBlobs.Held held = inFlight.hold(digest)) {
            // Another worker copied it while we waited: link instead of downloading again.
            if (held.waited()) {
                found = replica.linkStoredBlob(repository, digest);
                if (found == ReplicaWriter.BlobLink.LINKED) {
                    observer.blobDeduplicated();
                    return;
                }
            }
            download(replica, repository, digest, declaredSize, found);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkFailedException(
                    FailureReason.INTERRUPTED, "interrupted while waiting for another copy of " + digest, false, e);
        }
    }

    private void download(
            ReplicaWriter replica,
            RepositoryName repository,
            Digest digest,
            long declaredSize,
            ReplicaWriter.BlobLink found) {
        try (BlobStream download = primary.openBlob(repository, digest)
                .orElseThrow(() -> Failures.notFound("blob " + repository + "@" + digest))) {
            long size = declaredSize >= 0 ? declaredSize : download.size();
            CountingInputStream counted = new CountingInputStream(throttle.wrap(download.content()));
            boolean written = replica.putBlob(repository, digest, size, counted, found);
            if (written) {
                observer.blobCopied(counted.count());
            } else {
                observer.blobDeduplicated();
            }
        }
    }

    /** Counts the bytes that went through, for the bytes-copied metric. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws java.io.IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }
}
