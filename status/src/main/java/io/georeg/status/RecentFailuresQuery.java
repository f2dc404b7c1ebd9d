package io.georeg.status;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recently failed work items, each with its own reason (not grouped and not masked, unlike
 * {@link StatusReport#failuresByReason()}), for the status page's "recent failures" table: an
 * operator sees which repository and reference failed, how often it was tried, and why. Called by
 * the status page on every load; uses the {@code replication_work_failed} index.
 */
public final class RecentFailuresQuery {
    private static final String RECENT_FAILURES = """
            SELECT repository, kind, ref, operation, attempts, coalesce(last_error, 'no reason recorded'), updated_at
              FROM replication_work
             WHERE state = 'failed'
             ORDER BY updated_at DESC, id DESC
             LIMIT ?
            """;

    private final Transactions tx;

    public RecentFailuresQuery(Database database) {
        this.tx = database.transactions();
    }

    /** One failed item of {@code replication_work}. */
    public record FailedItem(
            String repository,
            String kind,
            String ref,
            String operation,
            int attempts,
            String reason,
            Instant failedAt) {}

    /** At most {@code limit} failed items, newest first. */
    public List<FailedItem> read(int limit) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(RECENT_FAILURES)) {
                ps.setInt(1, limit);
                List<FailedItem> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new FailedItem(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getInt(5),
                                rs.getString(6),
                                rs.getTimestamp(7).toInstant()));
                    }
                }
                return List.copyOf(out);
            }
        });
    }
}
