package io.georeg.replicator.reconcile;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * Records each finished reconcile pass in {@code reconcile_runs}, whichever process ran it (a
 * replicator's schedule or a {@code georeg reconcile} from a shell), which is what lets
 * {@code georeg status} report the last pass. Keeps the newest {@link #KEPT} rows.
 */
public final class ReconcileRuns {
    static final int KEPT = 100;

    private static final String INSERT = """
            INSERT INTO reconcile_runs (started_at, full_pass, repositories, tags_checked, queued, errors, primary_name)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """;

    private static final String PRUNE = """
            DELETE FROM reconcile_runs
             WHERE id NOT IN (SELECT id FROM reconcile_runs ORDER BY finished_at DESC, id DESC LIMIT ?)
            """;

    private final Transactions tx;
    private final String primary;

    /** @param primary the name of the primary whose passes these are (an adopted one is caught up by its own) */
    public ReconcileRuns(Database database, String primary) {
        this.tx = database.transactions();
        this.primary = primary;
    }

    public void record(Instant startedAt, boolean fullPass, ReconcileSummary summary) {
        tx.inTransaction(c -> {
            try (PreparedStatement insert = c.prepareStatement(INSERT);
                    PreparedStatement prune = c.prepareStatement(PRUNE)) {
                insert.setTimestamp(1, Timestamp.from(startedAt));
                insert.setBoolean(2, fullPass);
                insert.setInt(3, summary.repositories());
                insert.setInt(4, summary.tagsChecked());
                insert.setInt(5, summary.queued());
                insert.setInt(6, summary.errors().size());
                insert.setString(7, primary);
                insert.executeUpdate();
                prune.setInt(1, KEPT);
                prune.executeUpdate();
            }
            return null;
        });
    }
}
