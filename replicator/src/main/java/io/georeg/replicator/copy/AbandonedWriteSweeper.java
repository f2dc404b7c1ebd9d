package io.georeg.replicator.copy;

import io.georeg.ops.PeriodicJob;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.storage.BlobStore;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from blob storage what copies killed mid-write left behind (a temporary file, an
 * incomplete S3 multipart upload, a GCS temporary object: {@link BlobStore#removeAbandonedWrites}).
 * Nothing else ever would: a restarted copy writes to a new temporary name. A write counts as
 * abandoned once it began more than {@code replicator.retention.abandonedWrites} ago, which spares
 * the writes in progress of this and every other replicator process sharing the storage.
 *
 * <p>Started by the replicator's wiring: a sweep at start-up (after a crash is when leftovers
 * appear) and one every {@code replicator.retention.interval}; {@link #sweepOnce()} is one sweep.
 */
public final class AbandonedWriteSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AbandonedWriteSweeper.class);

    private final BlobStore blobs;
    private final Duration age;
    private final Clock clock;
    private final PeriodicJob job;

    public AbandonedWriteSweeper(BlobStore blobs, RetentionConfig retention, Clock clock) {
        this.blobs = blobs;
        this.age = retention.validate().abandonedWrites();
        this.clock = clock;
        this.job = new PeriodicJob(
                "georeg-abandoned-writes",
                retention.interval(),
                LOG,
                "removing abandoned storage writes failed; next run in {}",
                this::sweepOnce);
    }

    /** Removes the leftovers of writes begun more than the configured age ago; returns how many. */
    public int sweepOnce() {
        int removed = blobs.removeAbandonedWrites(clock.instant().minus(age));
        if (removed > 0) {
            LOG.info(
                    "removed {} leftovers of storage writes abandoned more than {} ago (copies killed mid-write)",
                    removed,
                    age);
        }
        return removed;
    }

    /** Sweeps now, then every {@code replicator.retention.interval}. */
    public void start() {
        job.start(Duration.ZERO);
    }

    @Override
    public void close() {
        job.close();
    }
}
