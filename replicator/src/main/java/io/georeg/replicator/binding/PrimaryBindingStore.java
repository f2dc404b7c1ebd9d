package io.georeg.replicator.binding;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL of {@code replica_primaries} (migration V21), the primaries a tracking database
 * replicates: read it, bind an unbound database, rebind it ({@code georeg primaries --adopt}), and
 * mark an adopted primary caught up. The routers read it through {@code ReplicaPrimaries}.
 * Used by {@link PrimaryBindingGuard} and the {@code primaries} command; the claim of work reads
 * the same rows through {@link #STORED_FINGERPRINT}.
 *
 * <p>Binding and adopting lock the table against each other (SHARE ROW EXCLUSIVE conflicts with
 * itself, not with the claims' reads) for the length of their transaction: two replicators of
 * different primaries starting at once on an empty database must not both find it empty and each
 * insert its names; with {@code INSERT … ON CONFLICT DO NOTHING} alone, two configurations whose
 * names differ (a single primary beside a cell) would both insert and the database would be bound
 * to their union.
 */
public final class PrimaryBindingStore {
    /**
     * The stored binding as one text, as {@link PrimaryBinding#fingerprint()} writes a
     * configuration's (the empty text when unbound): a scalar subquery for the claim's condition.
     */
    public static final String STORED_FINGERPRINT = """
            (SELECT coalesce(string_agg(name || ' ' || url, E'\\n' ORDER BY name COLLATE "C"), '')
               FROM replica_primaries)""";

    private static final String READ = """
            SELECT name, url, bound_at, bound_by FROM replica_primaries ORDER BY name COLLATE "C"
            """;
    private static final String LOCK = "LOCK TABLE replica_primaries IN SHARE ROW EXCLUSIVE MODE";
    private static final String DELETE_ALL = "DELETE FROM replica_primaries";
    private static final String INSERT = "INSERT INTO replica_primaries (name, url, bound_by) VALUES (?, ?, ?)";
    /**
     * After an adopt: the names it bound to another URL (or newly), whose replica holds another
     * primary's content ({@code catching_up_since}, V22), so the routers answer their pulls from
     * the primary until {@link #MARK_CAUGHT_UP}.
     */
    private static final String CATCHING_UP = """
            UPDATE replica_primaries SET catching_up_since = now() WHERE name = ?
            """;
    /**
     * Caught up: a full reconcile pass of that primary without errors started after the adopt (so
     * it compared the tracking database with the new primary, not the one before), and no work queued before that
     * pass ended is still pending or in progress (what it found different has been applied). A
     * pass alone would not do: the tags it queued would be served as the old primary had them
     * until the workers applied them.
     */
    private static final String MARK_CAUGHT_UP = """
            UPDATE replica_primaries p SET catching_up_since = NULL
             WHERE p.catching_up_since IS NOT NULL
               AND EXISTS (SELECT 1 FROM reconcile_runs r
                            WHERE r.primary_name = p.name AND r.full_pass AND r.errors = 0
                              AND r.started_at >= p.catching_up_since
                              AND NOT EXISTS (SELECT 1 FROM replication_work w
                                               WHERE w.state IN ('pending', 'in_progress')
                                                 AND w.enqueued_at <= r.finished_at))
            RETURNING p.name
            """;

    private final Transactions tx;

    public PrimaryBindingStore(Database database) {
        this.tx = database.transactions();
    }

    /** The stored binding, names in code-point order; empty when the database is not bound yet. */
    public List<StoredPrimary> read() {
        return tx.read(PrimaryBindingStore::read);
    }

    /**
     * Binds the database to {@code binding} when it is bound to nothing, else leaves it.
     *
     * @return the stored binding after: {@code binding}'s rows, or what another process bound
     */
    public List<StoredPrimary> bindIfUnbound(PrimaryBinding binding, String boundBy) {
        return tx.inTransaction(c -> {
            lock(c);
            if (read(c).isEmpty()) {
                insert(c, binding, boundBy);
            }
            return read(c);
        });
    }

    /**
     * Rebinds the database to {@code binding}, in one transaction: every claim sees the old rows or
     * the new ones, never a mix.
     *
     * @return the stored binding before
     */
    public List<StoredPrimary> adopt(PrimaryBinding binding, String boundBy) {
        return tx.inTransaction(c -> {
            lock(c);
            List<StoredPrimary> before = read(c);
            try (Statement s = c.createStatement()) {
                s.executeUpdate(DELETE_ALL);
            }
            insert(c, binding, boundBy);
            try (PreparedStatement ps = c.prepareStatement(CATCHING_UP)) {
                for (PrimaryBinding.Difference d : binding.differences(before)) {
                    if (d.configured().isPresent()) {
                        ps.setString(1, d.name());
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            return before;
        });
    }

    /**
     * Clears the catching-up mark of every adopted primary the replica has caught up with
     * ({@link #MARK_CAUGHT_UP}); called by a replicator whose binding matches.
     *
     * @return the names it cleared
     */
    public List<String> markCaughtUp() {
        return tx.inTransaction(c -> {
            List<String> names = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(MARK_CAUGHT_UP);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }

    private static void lock(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(LOCK);
        }
    }

    private static void insert(Connection c, PrimaryBinding binding, String boundBy) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (Map.Entry<String, String> e : binding.urls().entrySet()) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue());
                ps.setString(3, boundBy);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static List<StoredPrimary> read(Connection c) throws SQLException {
        List<StoredPrimary> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(READ);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new StoredPrimary(
                        rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4)));
            }
        }
        return out;
    }
}
