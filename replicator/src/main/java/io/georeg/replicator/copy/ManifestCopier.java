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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies a manifest by digest into a repository of the replica, in the order that keeps the
 * replica pullable at every instant: an index's children first (recursively), a manifest's blobs
 * (config and layers) first, the manifest itself last, and it becomes visible only then (the
 * replica refuses it while anything is missing). A manifest already stored in the repository is
 * skipped without asking the primary. The primary's bytes are verified against the digest by
 * {@link PrimaryContent} before anything is written. Writes go through the writer each call names
 * (see {@link BlobCopier}). Used by {@link ReplicationWorker}.
 *
 * <p>A manifest's blobs are copied at once, up to {@value #PARALLEL_BLOBS} at a time (the worker's
 * thread and helper threads): in series, an image's config blob and small layers each waited
 * for a whole round of replica checks, GET, commit with its fsyncs and link before the next blob
 * started, and a big layer waited behind them all (docs/benchmarks.md, "One 256 MiB layer"). The
 * manifest is still stored only once every blob's copy has ended; when one fails no further blob
 * starts, and the failure of the first failed blob in the manifest's order leaves once the copies
 * under way have ended. The helpers log with the worker's logging context ({@link LogContext}).
 */
final class ManifestCopier {
    /** An index of indexes of indexes is already exotic; deeper means a loop or an attack. */
    private static final int MAX_DEPTH = 4;
    /** Blobs of one manifest copied at once (the worker's thread and up to three helpers). */
    static final int PARALLEL_BLOBS = 4;

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
        copyBlobs(replica, repository, parsed.blobs());
        replica.putManifest(repository, fetched.content(), fetched.mediaType(), fetched.digest());
        observer.manifestCopied();
    }

    /**
     * Copies every blob of one manifest, the worker's thread taking them in order alongside up to
     * {@code PARALLEL_BLOBS - 1} helper threads; returns once every copy has ended.
     */
    private void copyBlobs(ReplicaWriter replica, RepositoryName repository, List<Descriptor> list) {
        if (list.size() < 2) {
            list.forEach(blob -> blobs.copy(replica, repository, blob.digest(), blob.size()));
            return;
        }
        Throwable[] failures = new Throwable[list.size()]; // read after the helpers' join
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Runnable take = () -> {
            // After a failure no further blob starts (the item fails); those under way end.
            for (int i; !failed.get() && (i = next.getAndIncrement()) < list.size(); ) {
                Descriptor blob = list.get(i);
                try {
                    blobs.copy(replica, repository, blob.digest(), blob.size());
                } catch (RuntimeException | Error e) {
                    failures[i] = e;
                    failed.set(true);
                }
            }
        };
        String name = "blob-copy-" + Thread.currentThread().getName();
        List<Thread> helpers = new ArrayList<>();
        try {
            for (int h = 1; h < Math.min(PARALLEL_BLOBS, list.size()); h++) {
                helpers.add(Thread.ofPlatform().name(name).daemon().start(LogContext.carried(take)));
            }
            take.run();
        } finally {
            awaitAll(helpers);
        }
        for (Throwable failure : failures) {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure != null) {
                throw (Error) failure;
            }
        }
    }

    /**
     * Waits for the helpers to end. Interrupted (the worker's shutdown), it interrupts them, still
     * waits for them (no copy outlives its item), and leaves with the interrupt flag set.
     */
    private static void awaitAll(List<Thread> helpers) {
        boolean interrupted = false;
        for (Thread helper : helpers) {
            while (true) {
                try {
                    helper.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    helpers.forEach(Thread::interrupt);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
