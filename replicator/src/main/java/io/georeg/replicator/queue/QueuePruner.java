package io.georeg.replicator.queue;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import java.sql.PreparedStatement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes received events and finished work items older than their {@link RetentionConfig}
 * periods, in batches so that no statement holds many row locks for long. Pruning a done item is
 * safe: a later request for the same key simply inserts it again. Scheduled by the replicator's
 * wiring; {@link #pruneOnce()} is what each run (and a test) does.
 */
public final class QueuePruner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuePruner.class);
    private static final int BATCH = 5000;

    private static final String PRUNE_EVENTS = """
            DELETE FROM replication_event WHERE event_id IN (
                SELECT event_id FROM replication_event WHERE received_at < now() - ? * interval '1 millisecond' LIMIT ?)
            """;
    private static final String PRUNE_DONE = """
            DELETE FROM replication_work WHERE id IN (
                SELECT id FROM replication_work WHERE state = 'done' AND done_at < now() - ? * interval '1 millisecond' LIMIT ?)
            """;

    private final Transactions tx;
    private final RetentionConfig config;
    private ScheduledExecutorService executor;

    public QueuePruner(Database database, RetentionConfig config) {
        this.tx = database.transactions();
        this.config = config.validate();
    }

    /** What one run removed. */
    public record Pruned(long events, long doneItems) {
    }

    public Pruned pruneOnce() {
        return new Pruned(prune(PRUNE_EVENTS, config.events().toMillis()), prune(PRUNE_DONE, config.doneItems().toMillis()));
    }

    private long prune(String sql, long olderThanMillis) {
        long total = 0;
        while (true) {
            int n = tx.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, olderThanMillis);
                    ps.setInt(2, BATCH);
                    return ps.executeUpdate();
                }
            });
            total += n;
            if (n < BATCH) {
                return total;
            }
        }
    }

    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("georeg-queue-pruner").daemon(true).unstarted(r));
        executor.scheduleWithFixedDelay(() -> {
            try {
                Pruned pruned = pruneOnce();
                if (pruned.events() + pruned.doneItems() > 0) {
                    LOG.info("pruned {} old events and {} finished work items", pruned.events(), pruned.doneItems());
                }
            } catch (RuntimeException e) {
                LOG.warn("pruning the replication queue failed; next run in {}", config.interval(), e);
            }
        }, config.interval().toMillis(), config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
