package io.georeg.failover.state;

import io.georeg.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what is not replicated from {@code replication_work}: pending, in-progress and failed
 * items, oldest change first. Used by {@code georeg drill} and {@code georeg promote} for the
 * RPO section of their reports.
 */
public final class ReplicationGaps {

    private static final String UNREPLICATED = """
            SELECT repository, kind, ref, operation, state, first_event_at, attempts, last_error,
                   extract(epoch FROM now() - first_event_at) AS age_seconds
            FROM replication_work
            WHERE state IN ('pending', 'in_progress', 'failed')
            ORDER BY first_event_at, id
            LIMIT ?
            """;

    private final Database database;

    public ReplicationGaps(Database database) {
        this.database = database;
    }

    /** At most {@code limit} items, oldest first. */
    public List<UnreplicatedItem> list(int limit) {
        return database.transactions().read(c -> {
            try (PreparedStatement ps = c.prepareStatement(UNREPLICATED)) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<UnreplicatedItem> items = new ArrayList<>();
                    while (rs.next()) {
                        Instant since = rs.getTimestamp("first_event_at").toInstant();
                        items.add(new UnreplicatedItem(
                                rs.getString("repository"),
                                rs.getString("kind"),
                                rs.getString("ref"),
                                rs.getString("operation"),
                                rs.getString("state"),
                                since,
                                Duration.ofMillis(Math.max(0, Math.round(rs.getDouble("age_seconds") * 1000))),
                                rs.getInt("attempts"),
                                rs.getString("last_error")));
                    }
                    return items;
                }
            }
        });
    }
}
