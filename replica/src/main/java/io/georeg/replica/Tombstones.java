package io.georeg.replica;

import io.georeg.oci.RepositoryName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Reads of the replica's delete tombstones (migration V13): the delete generation now, and
 * whether the replica applied a delete of a manifest, blob or tag of a repository after a generation.
 * {@link DatabaseReplicaWriter} records tombstones and refuses a guarded store under the key's
 * lock ({@link #lockThenRefuse}, {@link #guarded}); the router reads the generation before a
 * delete and asks {@link #deleteShown} before it lets that delete's read-your-writes fence go: a
 * replica that merely lacks the content may not yet have stored a copy that read the primary
 * before the delete, and only the delete's tombstone makes the replica refuse it.
 */
public final class Tombstones {
    /** The {@code kind} of a manifest's tombstone. */
    public static final String MANIFEST = "manifest";
    /** The {@code kind} of a blob link's tombstone. */
    public static final String BLOB = "blob";
    /** The {@code kind} of a tag's tombstone (migration V17): its {@code digest} column holds the tag's name. */
    public static final String TAG = "tag";

    /**
     * How long a tombstone is kept: a copy that read the primary longer ago than this is not
     * refused by it (a tag sync that ran that long confirms its write with a {@code HEAD} of the
     * tag, which removes what the primary no longer has).
     */
    public static final Duration KEPT = Duration.ofHours(1);

    /** {@link #KEPT} as an SQL interval. */
    static final String LIFETIME = "interval '" + KEPT.toSeconds() + " seconds'";

    // A tombstone of the key newer than the generation; or the delete older than tombstones live.
    private static final String DELETED = """
            SELECT EXISTS (SELECT 1 FROM replica_tombstones
                            WHERE repository = ? AND kind = ? AND digest = ? AND generation > ?)
                   OR ?::timestamptz < now() - """ + LIFETIME;
    /**
     * The lock a delete and a guarded store of one key both take, until their transaction ends:
     * declared once, since the two exclude each other only while they hash the key alike.
     */
    static final String LOCK_KEY = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))";

    /**
     * A key's transaction-scoped lock, then a statement that fails with {@link #REFUSED} when the
     * key's tombstone is newer than a generation (migration V20): sent in one round trip, ahead of
     * a guarded store ({@link #guarded}) or alone ({@link #lockThenRefuse}). The refusal's
     * snapshot is taken only after the lock has been granted (read committed: a snapshot per
     * statement; the pool sets it whatever the server's default, see
     * {@link io.georeg.db.Database#start}), so it sees the tombstone of a delete that held the lock
     * before it. Parameters: lock key, repository, kind, key, generation.
     */
    private static final String LOCK_THEN_REFUSE = LOCK_KEY + ";\n" + "SELECT replica_refuse_deleted(?, ?, ?, ?)";

    /** The SQLSTATE of {@code replica_refuse_deleted}'s refusal (V20). */
    private static final String REFUSED = "GRDEL";

    private static final String DELETE_GENERATION = """
            SELECT coalesce(pg_sequence_last_value('replica_delete_generation'), 0)
            """;

    private Tombstones() {}

    /**
     * Whether a delete of {@code digest} made at {@code deletedAt} (after the replica's delete
     * generation was {@code generation}) can be taken as applied by the replica, once it lacks
     * the content: the replica applied a delete of it with a generation above {@code generation},
     * or the delete is older than a tombstone lives ({@link #KEPT}), so its tombstone may have been
     * pruned and tombstones no longer refuse the copies it raced.
     */
    public static boolean deleteShown(
            Connection c, String repository, String kind, String digest, long generation, Instant deletedAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETED)) {
            bindDeleted(ps, repository, kind, digest, generation, deletedAt);
            return firstBoolean(ps.executeQuery());
        }
    }

    /** The latest delete generation handed out (0 before the first delete): every later delete's is larger. */
    public static long deleteGeneration(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_GENERATION);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Takes the transaction-scoped advisory lock {@code lockKey} (the one a delete of the key
     * takes), then refuses content deleted after {@code generation}, in one round trip. Only inside
     * a transaction at read committed, every pooled connection's level (the lock lasts until the
     * transaction ends).
     *
     * @throws DeletedSinceException when refused, which leaves the transaction aborted: let it
     *     propagate, and {@link io.georeg.db.Transactions} rolls the transaction back
     */
    static void lockThenRefuse(
            Connection c, String lockKey, RepositoryName repository, String kind, String key, long generation)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_THEN_REFUSE)) {
            bindLockThenRefuse(ps, lockKey, repository, kind, key, generation);
            ps.execute(); // the lock's (void) row
            ps.getMoreResults(); // the refusal's (void) row
        } catch (SQLException e) {
            if (isRefusal(e)) {
                throw new DeletedSinceException(repository, kind, key, generation);
            }
            throw e;
        }
    }

    /**
     * Prefixes {@code store}, one writing statement, with the lock of {@code lockKey} and the
     * refusal of content deleted after {@code generation}, as one multi-statement for
     * {@link io.georeg.db.Transactions#atomically}: the three run in one transaction (with
     * pgjdbc's extended protocol an implicit one, in one round trip), which holds the lock until the
     * store has committed, and which the refusal aborts before the store runs. Bind the store's
     * parameters from {@link GuardedStore#firstParameter}.
     */
    static GuardedStore guarded(
            Connection c,
            String store,
            String lockKey,
            RepositoryName repository,
            String kind,
            String key,
            long generation)
            throws SQLException {
        PreparedStatement ps = c.prepareStatement(LOCK_THEN_REFUSE + ";\n" + store);
        try {
            bindLockThenRefuse(ps, lockKey, repository, kind, key, generation);
            return new GuardedStore(ps, repository, kind, key, generation);
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    /** A store prefixed by {@link #guarded}: its parameters are bound, then {@link #count} runs all three. */
    static final class GuardedStore implements AutoCloseable {
        private final PreparedStatement ps;
        private final RepositoryName repository;
        private final String kind;
        private final String key;
        private final long generation;

        private GuardedStore(
                PreparedStatement ps, RepositoryName repository, String kind, String key, long generation) {
            this.ps = ps;
            this.repository = repository;
            this.kind = kind;
            this.key = key;
            this.generation = generation;
        }

        /** The store's own statement, to bind its parameters from {@link #firstParameter}. */
        PreparedStatement statement() {
            return ps;
        }

        /** The index of the store's first parameter, after the lock's and the refusal's. */
        int firstParameter() {
            return 6;
        }

        /**
         * Runs the lock, the refusal and the store, and returns the store's single number (its
         * first column).
         *
         * @throws DeletedSinceException when the refusal aborted them all (a tombstone newer than
         *     the generation), so that nothing was stored
         */
        long count() throws SQLException {
            try {
                ps.execute(); // the lock's (void) row
                ps.getMoreResults(); // the refusal's (void) row
                if (!ps.getMoreResults()) {
                    throw new SQLException("no result of the guarded store after its lock and refusal");
                }
                try (ResultSet rs = ps.getResultSet()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                if (isRefusal(e)) {
                    throw new DeletedSinceException(repository, kind, key, generation);
                }
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            ps.close();
        }
    }

    /** Binds {@link #LOCK_THEN_REFUSE}'s five parameters, the first of the statement's. */
    private static void bindLockThenRefuse(
            PreparedStatement ps, String lockKey, RepositoryName repository, String kind, String key, long generation)
            throws SQLException {
        ps.setString(1, lockKey);
        ps.setString(2, repository.value());
        ps.setString(3, kind);
        ps.setString(4, key);
        ps.setLong(5, generation);
    }

    private static boolean isRefusal(SQLException e) {
        return REFUSED.equals(e.getSQLState());
    }

    /** Binds {@link #DELETED}'s parameters. */
    private static void bindDeleted(
            PreparedStatement ps, String repository, String kind, String digest, long generation, Instant deletedAt)
            throws SQLException {
        ps.setString(1, repository);
        ps.setString(2, kind);
        ps.setString(3, digest);
        ps.setLong(4, generation);
        ps.setObject(5, deletedAt.atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    private static boolean firstBoolean(ResultSet rs) throws SQLException {
        try (rs) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
