package io.georeg.status;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replication lag per minute over the last N minutes, for the status page's chart: for every
 * minute, the lag ({@code done_at - first_event_at}, as {@link StatusQuery} measures it) of the work
 * rows applied in that minute, as continuous percentiles. Minutes without applied work are present
 * with zero samples, so a chart's time axis has no holes.
 *
 * <p>{@code replication_work} keeps one row per (repository, kind, ref), so a ref applied twice
 * shows only its latest application: the history is exact for distinct refs and a lower bound on
 * activity for refs that changed often. Called by the status page on every load.
 */
public final class LagHistoryQuery {
    private static final String LAG_PER_MINUTE = """
            WITH minutes AS (
                SELECT generate_series(date_trunc('minute', now()) - (? - 1) * interval '1 minute',
                                       date_trunc('minute', now()), interval '1 minute') AS minute
            ), applied AS (
                SELECT date_trunc('minute', done_at) AS minute, extract(epoch FROM done_at - first_event_at) AS lag
                  FROM replication_work
                 WHERE state = 'done' AND done_at >= date_trunc('minute', now()) - (? - 1) * interval '1 minute'
            )
            SELECT m.minute, count(a.lag),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a.lag),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY a.lag),
                   max(a.lag)
              FROM minutes m LEFT JOIN applied a ON a.minute = m.minute
             GROUP BY m.minute
             ORDER BY m.minute
            """;

    /** The most minutes one call reads (a day), so a bad parameter cannot ask for a huge series. */
    public static final int MAX_MINUTES = 24 * 60;

    private final Transactions tx;

    public LagHistoryQuery(Database database) {
        this.tx = database.transactions();
    }

    /** One minute of the history; the percentiles are empty when nothing was applied in it. */
    public record LagPoint(
            Instant minute,
            long samples,
            Optional<Double> p50Seconds,
            Optional<Double> p99Seconds,
            Optional<Double> maxSeconds) {}

    /**
     * The last {@code span} (rounded up to whole minutes, at most {@link #MAX_MINUTES}), oldest
     * minute first, ending with the current (partial) minute.
     */
    public List<LagPoint> read(Duration span) {
        long minutes = Math.clamp((span.toSeconds() + 59) / 60, 1, MAX_MINUTES);
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(LAG_PER_MINUTE)) {
                ps.setLong(1, minutes);
                ps.setLong(2, minutes);
                List<LagPoint> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LagPoint(
                                rs.getTimestamp(1).toInstant(),
                                rs.getLong(2),
                                optionalDouble(rs, 3),
                                optionalDouble(rs, 4),
                                optionalDouble(rs, 5)));
                    }
                }
                return List.copyOf(out);
            }
        });
    }

    private static Optional<Double> optionalDouble(ResultSet rs, int column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(value);
    }
}
