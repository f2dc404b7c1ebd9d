package io.georeg.status;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.NamespaceOwners;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link StatusReport} from the tracking database in six statements, run in one
 * REPEATABLE READ transaction so that every number comes from the same snapshot. Called by
 * {@link StatusCommand}; cheap enough for a status page to call on every refresh (aggregates over
 * {@code replication_work}, {@code blobs} and {@code manifests}, no per-row work in Java).
 */
public final class StatusQuery {
    /** Failure reasons are grouped after masking digests, which make every message unique. */
    static final int REASON_LENGTH = 160;

    private static final String QUEUE_AND_LAG = """
            SELECT count(*) FILTER (WHERE state = 'pending'),
                   count(*) FILTER (WHERE state = 'in_progress'),
                   count(*) FILTER (WHERE state = 'failed'),
                   count(*) FILTER (WHERE state = 'done'),
                   min(first_event_at) FILTER (WHERE state IN ('pending', 'in_progress')),
                   count(*) FILTER (WHERE state = 'done' AND done_at >= now() - ? * interval '1 millisecond'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - first_event_at))
                       FILTER (WHERE state = 'done' AND done_at >= now() - ? * interval '1 millisecond'),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - first_event_at))
                       FILTER (WHERE state = 'done' AND done_at >= now() - ? * interval '1 millisecond'),
                   max(enqueued_at) FILTER (WHERE source = 'reconcile'),
                   now()
              FROM replication_work
            """;

    private static final String LAST_RECONCILE = """
            SELECT started_at, finished_at, full_pass, repositories, tags_checked, queued, errors
              FROM reconcile_runs ORDER BY finished_at DESC, id DESC LIMIT 1
            """;

    private static final String REPLICATED = """
            SELECT count(*), coalesce(sum(size), 0) FROM blobs WHERE stored_at >= now() - ? * interval '1 millisecond'
            """;

    private static final String VERIFICATION = """
            SELECT 'blob', verify_state::text, count(*) FROM blobs GROUP BY verify_state
            UNION ALL
            SELECT 'manifest', verify_state::text, count(*) FROM manifests GROUP BY verify_state
            """;

    private static final String FAILURES = """
            SELECT left(regexp_replace(coalesce(last_error, 'no reason recorded'),
                                       '(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})', '<digest>', 'g'), ?) AS reason,
                   count(*), max(updated_at)
              FROM replication_work
             WHERE state = 'failed'
             GROUP BY reason
             ORDER BY count(*) DESC, reason
             LIMIT ?
            """;

    /** Every repository the queue or the replica knows, or just one ({@code ?} non-null). */
    private static final String REPOSITORIES = """
            WITH work AS (
                SELECT repository AS name,
                       count(*) FILTER (WHERE state = 'pending') AS pending,
                       count(*) FILTER (WHERE state = 'in_progress') AS in_progress,
                       count(*) FILTER (WHERE state = 'failed') AS failed,
                       count(*) FILTER (WHERE state = 'done') AS done,
                       min(first_event_at) FILTER (WHERE state IN ('pending', 'in_progress')) AS oldest,
                       max(done_at) AS last_applied
                  FROM replication_work
                 WHERE ?::text IS NULL OR repository = ?::text
                 GROUP BY repository
            ), stored AS (
                SELECT r.name,
                       (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id) AS manifests,
                       (SELECT count(*) FROM tags t WHERE t.repository_id = r.id) AS tags,
                       (SELECT count(*) FROM repository_blobs rb WHERE rb.repository_id = r.id) AS blobs,
                       (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id
                                                          AND m.verify_state IN ('failed', 'missing')) AS manifests_bad
                  FROM repositories r
                 WHERE ?::text IS NULL OR r.name = ?::text
            )
            SELECT coalesce(w.name, s.name) COLLATE "C" AS name,
                   coalesce(w.pending, 0), coalesce(w.in_progress, 0), coalesce(w.failed, 0), coalesce(w.done, 0),
                   w.oldest, w.last_applied,
                   coalesce(s.manifests, 0), coalesce(s.tags, 0), coalesce(s.blobs, 0), coalesce(s.manifests_bad, 0)
              FROM work w FULL JOIN stored s ON s.name = w.name
             ORDER BY 1
             LIMIT ?
            """;

    /**
     * A router's shield report counts while it is this recent. Routers report every 10 seconds
     * (the router's {@code ShieldReporter}); a router that missed several reports is gone or cut
     * off from the database.
     */
    public static final Duration SHIELD_FRESH = Duration.ofSeconds(60);

    /** Migration V4's row; none before it (a database older than the router's admin state). */
    private static final String ADMIN_STATE = """
            SELECT mode, reason, primary_url, updated_at FROM router_admin_state WHERE id = 1
            """;

    private static final String BINDINGS = """
            SELECT name, url, bound_at, catching_up_since FROM replica_primaries ORDER BY name
            """;

    private static final String OUTAGE_SHIELD = """
            SELECT router, site_key_loaded, in_use, grants, reported_at
              FROM outage_shield_reports
             WHERE reported_at >= now() - ? * interval '1 millisecond'
             ORDER BY router
            """;

    /** What to include beyond the summary. */
    public enum Repositories {
        NONE,
        ONE,
        ALL
    }

    /** Per repository, for the queue per primary (summed per owner in Java, by {@link NamespaceOwners}' rule). */
    private static final String QUEUE_BY_REPOSITORY = """
            SELECT repository,
                   count(*) FILTER (WHERE state = 'pending'),
                   count(*) FILTER (WHERE state = 'in_progress'),
                   count(*) FILTER (WHERE state = 'failed'),
                   count(*) FILTER (WHERE state = 'done'),
                   min(first_event_at) FILTER (WHERE state IN ('pending', 'in_progress')),
                   count(*) FILTER (WHERE state = 'done' AND done_at >= now() - ? * interval '1 millisecond')
              FROM replication_work
             GROUP BY repository
            """;

    /** The name under which items of repositories no primary owns are counted. */
    public static final String NO_PRIMARY = "(none)";

    private final Transactions tx;
    /** Which primary owns a repository, or null for a secondary of one primary. */
    private final NamespaceOwners owners;

    public StatusQuery(Database database) {
        this(database, null);
    }

    /**
     * @param owners which primary owns a repository; with more than one owner the report holds the
     *     queue per primary ({@link StatusReport#primaries()}); null for a single primary
     */
    public StatusQuery(Database database, NamespaceOwners owners) {
        this.tx = database.transactions();
        this.owners = owners;
    }

    /**
     * Reads the report.
     *
     * @param window how far back lag and bytes replicated look
     * @param failureGroups at most this many failure reasons
     * @param repositories none, the one named by {@code repository}, or all (at most {@code maxRepositories})
     */
    public StatusReport read(
            Duration window,
            int failureGroups,
            Repositories repositories,
            Optional<String> repository,
            int maxRepositories) {
        long windowMillis = window.toMillis();
        return tx.inTransaction(Transactions.Isolation.REPEATABLE_READ, c -> {
            Summary summary = summary(c, windowMillis);
            StatusReport.Replicated replicated = replicated(c, windowMillis);
            StatusReport.Verification verification = verification(c);
            List<StatusReport.FailureReason> failures = failures(c, failureGroups);
            List<StatusReport.RepositoryStatus> repos = switch (repositories) {
                case NONE -> List.of();
                case ONE ->
                    repositories(
                            c,
                            Optional.of(repository.orElseThrow(
                                    () -> new IllegalArgumentException("a repository name is required"))),
                            1);
                case ALL -> repositories(c, Optional.empty(), maxRepositories);
            };
            return new StatusReport(
                    summary.now,
                    window,
                    summary.queue,
                    summary.oldest,
                    summary.lag,
                    replicated,
                    new StatusReport.Reconcile(lastReconcileRun(c), summary.lastReconcileWork),
                    verification,
                    failures,
                    repos,
                    outageShield(c),
                    owners == null || owners.owners().size() < 2 ? List.of() : primaries(c, windowMillis),
                    routers(c));
        });
    }

    private static StatusReport.Routers routers(Connection c) throws SQLException {
        List<StatusReport.Binding> bindings = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(BINDINGS);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                bindings.add(new StatusReport.Binding(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getTimestamp(3).toInstant(),
                        Optional.ofNullable(rs.getTimestamp(4)).map(java.sql.Timestamp::toInstant)));
            }
        }
        try (PreparedStatement ps = c.prepareStatement(ADMIN_STATE);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return new StatusReport.Routers(
                        "normal", "", Optional.empty(), Optional.empty(), List.copyOf(bindings));
            }
            return new StatusReport.Routers(
                    rs.getString(1),
                    rs.getString(2),
                    Optional.ofNullable(rs.getString(3)),
                    Optional.of(rs.getTimestamp(4).toInstant()),
                    List.copyOf(bindings));
        }
    }

    private List<StatusReport.PrimaryStatus> primaries(Connection c, long windowMillis) throws SQLException {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, Instant> oldest = new LinkedHashMap<>();
        owners.owners().forEach(o -> counts.put(o, new long[5]));
        try (PreparedStatement ps = c.prepareStatement(QUEUE_BY_REPOSITORY)) {
            ps.setLong(1, windowMillis);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String owner = owners.ownerOf(rs.getString(1)).orElse(NO_PRIMARY);
                    long[] n = counts.computeIfAbsent(owner, o -> new long[5]);
                    for (int i = 0; i < 4; i++) {
                        n[i] += rs.getLong(2 + i);
                    }
                    n[4] += rs.getLong(7);
                    instant(rs.getTimestamp(6)).ifPresent(t -> oldest.merge(owner, t, (a, b) -> a.isBefore(b) ? a : b));
                }
            }
        }
        List<StatusReport.PrimaryStatus> out = new ArrayList<>();
        counts.forEach((owner, n) -> out.add(new StatusReport.PrimaryStatus(
                owner, new StatusReport.Queue(n[0], n[1], n[2], n[3]), Optional.ofNullable(oldest.get(owner)), n[4])));
        return List.copyOf(out);
    }

    private static StatusReport.OutageShield outageShield(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OUTAGE_SHIELD)) {
            ps.setLong(1, SHIELD_FRESH.toMillis());
            List<StatusReport.RouterShield> routers = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    routers.add(new StatusReport.RouterShield(
                            rs.getString(1),
                            rs.getBoolean(2),
                            rs.getBoolean(3),
                            rs.getLong(4),
                            rs.getTimestamp(5).toInstant()));
                }
            }
            return new StatusReport.OutageShield(List.copyOf(routers));
        }
    }

    private record Summary(
            StatusReport.Queue queue,
            Optional<Instant> oldest,
            StatusReport.Lag lag,
            Optional<Instant> lastReconcileWork,
            Instant now) {}

    private static Summary summary(Connection c, long windowMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(QUEUE_AND_LAG)) {
            ps.setLong(1, windowMillis);
            ps.setLong(2, windowMillis);
            ps.setLong(3, windowMillis);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                StatusReport.Queue queue =
                        new StatusReport.Queue(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
                StatusReport.Lag lag =
                        new StatusReport.Lag(rs.getLong(6), optionalDouble(rs, 7), optionalDouble(rs, 8));
                return new Summary(
                        queue,
                        instant(rs.getTimestamp(5)),
                        lag,
                        instant(rs.getTimestamp(9)),
                        rs.getTimestamp(10).toInstant());
            }
        }
    }

    private static Optional<StatusReport.ReconcileRun> lastReconcileRun(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LAST_RECONCILE);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new StatusReport.ReconcileRun(
                    rs.getTimestamp(1).toInstant(),
                    rs.getTimestamp(2).toInstant(),
                    rs.getBoolean(3),
                    rs.getInt(4),
                    rs.getInt(5),
                    rs.getInt(6),
                    rs.getInt(7)));
        }
    }

    private static StatusReport.Replicated replicated(Connection c, long windowMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REPLICATED)) {
            ps.setLong(1, windowMillis);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new StatusReport.Replicated(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    private static StatusReport.Verification verification(Connection c) throws SQLException {
        Map<String, Long> blobs = emptyStates();
        Map<String, Long> manifests = emptyStates();
        try (PreparedStatement ps = c.prepareStatement(VERIFICATION);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ("blob".equals(rs.getString(1)) ? blobs : manifests).put(rs.getString(2), rs.getLong(3));
            }
        }
        return new StatusReport.Verification(
                Collections.unmodifiableMap(blobs), Collections.unmodifiableMap(manifests));
    }

    private static List<StatusReport.FailureReason> failures(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FAILURES)) {
            ps.setInt(1, REASON_LENGTH);
            ps.setInt(2, limit);
            List<StatusReport.FailureReason> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StatusReport.FailureReason(
                            rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant()));
                }
            }
            return List.copyOf(out);
        }
    }

    private static List<StatusReport.RepositoryStatus> repositories(Connection c, Optional<String> name, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REPOSITORIES)) {
            String n = name.orElse(null);
            ps.setString(1, n);
            ps.setString(2, n);
            ps.setString(3, n);
            ps.setString(4, n);
            ps.setInt(5, limit);
            List<StatusReport.RepositoryStatus> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StatusReport.RepositoryStatus(
                            rs.getString(1),
                            new StatusReport.Queue(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)),
                            instant(rs.getTimestamp(6)),
                            instant(rs.getTimestamp(7)),
                            rs.getLong(8),
                            rs.getLong(9),
                            rs.getLong(10),
                            rs.getLong(11)));
                }
            }
            return List.copyOf(out);
        }
    }

    /** Every state present, in the enum's order, so tables and JSON always show all four. */
    private static Map<String, Long> emptyStates() {
        Map<String, Long> states = new LinkedHashMap<>();
        for (String s : List.of("unverified", "ok", "failed", "missing")) {
            states.put(s, 0L);
        }
        return states;
    }

    private static Optional<Double> optionalDouble(ResultSet rs, int column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<Instant> instant(Timestamp t) {
        return Optional.ofNullable(t).map(Timestamp::toInstant);
    }
}
