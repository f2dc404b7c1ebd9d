package io.georeg.replicator.queue;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.ops.PeriodicJob;
import java.sql.PreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes received events and finished work items ({@link WorkQueue#pruneDone}) older than their
 * {@link RetentionConfig} periods, in batches so that no statement holds many row locks for long. Scheduled by the replicator's
 * wiring; {@link #pruneOnce()} is what each run (and a test) does.
 */
public final class QueuePruner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuePruner.class);
    private static final int BATCH = 5000;

    private static final String PRUNE_EVENTS = """
            DELETE FROM replication_event WHERE event_id IN (
                SELECT event_id FROM replication_event WHERE received_at < now() - ? * interval '1 millisecond' LIMIT ?)
            """;

    private final Transactions tx;
    private final WorkQueue queue;
    private final RetentionConfig config;
    private final PeriodicJob job;

    public QueuePruner(Database database, WorkQueue queue, RetentionConfig config) {
        this.tx = database.transactions();
        this.queue = queue;
        this.config = config.validate();
        this.job = new PeriodicJob(
                "georeg-queue-pruner",
                this.config.interval(),
                LOG,
                "pruning the replication queue failed; next run in {}",
                this::pruneAndLog);
    }

    /** What one run removed. */
    public record Pruned(long events, long doneItems) {}

    public Pruned pruneOnce() {
        return new Pruned(
                inBatches(() -> pruneEvents(config.events().toMillis())),
                inBatches(() -> queue.pruneDone(config.doneItems(), BATCH)));
    }

    private int pruneEvents(long olderThanMillis) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(PRUNE_EVENTS)) {
                ps.setLong(1, olderThanMillis);
                ps.setInt(2, BATCH);
                return ps.executeUpdate();
            }
        });
    }

    private static long inBatches(java.util.function.IntSupplier batch) {
        long total = 0;
        while (true) {
            int n = batch.getAsInt();
            total += n;
            if (n < BATCH) {
                return total;
            }
        }
    }

    /** Prunes every {@code replicator.retention.interval}, the first time one interval from now. */
    public void start() {
        job.start(config.interval());
    }

    private void pruneAndLog() {
        Pruned pruned = pruneOnce();
        if (pruned.events() + pruned.doneItems() > 0) {
            LOG.info("pruned {} old events and {} finished work items", pruned.events(), pruned.doneItems());
        }
    }

    @Override
    public void close() {
        job.close();
    }
}
