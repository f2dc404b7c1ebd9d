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
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    /** How long a helper's thread waits for the next manifest before it ends. */
    static final long HELPER_KEEP_ALIVE_SECONDS = 30;
    /**
     * The helpers' threads, shared by every manifest copy of the process and kept while they have
     * work: a new platform thread per helper (three per image) cost about 0.45 ms of CPU to start
     * and end on this project's 2-core machine, 0.08 s in an initial replication of 61 images
     * (docs/benchmarks.md, Replication). At most three per worker are busy at once; one idle for
     * {@value #HELPER_KEEP_ALIVE_SECONDS} s ends.
     */
    private static final ExecutorService HELPERS = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            HELPER_KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Thread.ofPlatform().name("blob-copy-helper-", 1).daemon().factory());

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
            throw new WorkFailedException(
                    FailureReason.INVALID_MANIFEST,
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
     * {@code PARALLEL_BLOBS - 1} helpers from {@link #HELPERS}; returns once every copy has ended.
     */
    private void copyBlobs(ReplicaWriter replica, RepositoryName repository, List<Descriptor> list) {
        if (list.size() < 2) {
            list.forEach(blob -> blobs.copy(replica, repository, blob.digest(), blob.size()));
            return;
        }
        Throwable[] failures = new Throwable[list.size()]; // read after the helpers have ended
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
        Helpers helpers = new Helpers(Math.min(PARALLEL_BLOBS, list.size()) - 1);
        try {
            helpers.start(LogContext.carried(take));
            take.run();
        } finally {
            helpers.await();
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
     * One manifest's helpers, run on {@link #HELPERS}' threads. No copy outlives its item:
     * {@link #await} returns once every helper has ended. Interrupted (the worker's shutdown), it
     * interrupts the helpers still running, still waits for them, and leaves with the interrupt
     * flag set. A helper's thread goes back to the pool with its interrupt flag cleared, and is
     * interrupted only while it runs a helper of this manifest (both under one lock), so that an
     * interrupt meant for this manifest never reaches another copy that the thread runs later.
     */
    static final class Helpers {
        private final CountDownLatch ended;
        private final List<Thread> running = new ArrayList<>(); // guarded by this
        private boolean interrupted; // guarded by this: helpers not started yet do not start

        Helpers(int count) {
            this.ended = new CountDownLatch(count);
        }

        /** Hands {@code task} to each helper; one that cannot be started (no thread to be had) counts as ended. */
        void start(Runnable task) {
            long left = ended.getCount();
            try {
                for (; left > 0; left--) {
                    HELPERS.execute(() -> run(task));
                }
            } finally {
                for (; left > 0; left--) {
                    ended.countDown();
                }
            }
        }

        private void run(Runnable task) {
            try {
                synchronized (this) {
                    if (interrupted) {
                        return;
                    }
                    running.add(Thread.currentThread());
                }
                try {
                    task.run();
                } finally {
                    synchronized (this) {
                        running.remove(Thread.currentThread());
                        Thread.interrupted(); // an interrupt for this manifest stays here
                    }
                }
            } finally {
                ended.countDown();
            }
        }

        void await() {
            boolean wasInterrupted = false;
            while (true) {
                try {
                    ended.await();
                    break;
                } catch (InterruptedException e) {
                    wasInterrupted = true;
                    synchronized (this) {
                        interrupted = true;
                        running.forEach(Thread::interrupt);
                    }
                }
            }
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
