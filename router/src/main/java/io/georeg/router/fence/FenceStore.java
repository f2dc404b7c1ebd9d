package io.georeg.router.fence;

import io.georeg.db.Transactions;
import io.georeg.replica.KnownRepositories;
import io.georeg.replica.Tombstones;
import io.georeg.router.RouterConfig;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code router_fences} table (migrations V3, V6, V7, V15, V16), its generation (V11) and the routers'
 * leases' acks (V19): records the
 * fences of a write and counts its generation, loads the live fences of a repository (or all of
 * them, for {@link FenceView}), reads the generation, and clears a fence once the replica shows
 * what its write left. Called by {@link ReadYourWrites} and {@link FenceView}; all access through
 * the db module's {@link Transactions}.
 */
public final class FenceStore {

    // The latest write to a target replaces its fence; created_at tells a replaced fence from
    // the one a reader checked (see CLEAR).
    private static final String UPSERT = """
            INSERT INTO router_fences (repository, kind, target, digest, present, descriptor, expires_at,
                                       replica_delete_generation)
            VALUES (?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?), ?)
            ON CONFLICT (repository, kind, target) WHERE kind <> 'referrer'
            DO UPDATE SET digest = EXCLUDED.digest, present = EXCLUDED.present, descriptor = EXCLUDED.descriptor,
                          created_at = clock_timestamp(), expires_at = EXCLUDED.expires_at,
                          replica_delete_generation = EXCLUDED.replica_delete_generation, shown_at = NULL
            """;

    private static final String UPSERT_REFERRER = """
            INSERT INTO router_fences (repository, kind, target, digest, present, descriptor, expires_at,
                                       replica_delete_generation)
            VALUES (?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?), ?)
            ON CONFLICT (repository, target, digest) WHERE kind = 'referrer'
            DO UPDATE SET present = EXCLUDED.present, descriptor = EXCLUDED.descriptor,
                          created_at = clock_timestamp(), expires_at = EXCLUDED.expires_at,
                          replica_delete_generation = EXCLUDED.replica_delete_generation, shown_at = NULL
            """;

    // First in the recording transaction: the row lock orders the generations as they commit.
    private static final String NEXT_GENERATION = """
            UPDATE router_fence_generation SET generation = generation + 1 RETURNING generation
            """;

    // Last in the recording transaction: after the rows' own notifications (V6), in commit order.
    private static final String NOTIFY_GENERATION = """
            SELECT pg_notify('georeg_router_fences', ?)
            """;

    static final String GENERATION = """
            SELECT generation FROM router_fence_generation
            """;

    // Other routers' leases (V19) that are unexpired, have not acked a generation and were renewed
    // at or before the write's first look (now() then): a write's answer waits until there is none
    // ({@link FenceLease}). A row renewed later belongs to a renewal whose required generation
    // includes the write's, so it is not waited for: a router whose view is stuck while its lease
    // connection renews delays a write by at most its lease, not for ever. Beside the count, the
    // shortest and longest lease the unexpired rows hold (microseconds; a renewal writes both
    // timestamps from one now()): a writer that cannot read the rows waits the longest it saw.
    private static final String UNACKED = """
            SELECT now(),
                   count(*) FILTER (WHERE instance <> ? AND acked_generation < ?
                                      AND renewed_at <= coalesce(?::timestamptz, now())),
                   (extract(epoch FROM min(expires_at - renewed_at)) * 1000000)::bigint,
                   (extract(epoch FROM max(expires_at - renewed_at)) * 1000000)::bigint
              FROM router_fence_leases
             WHERE expires_at > now()
            """;

    /** The payload that says a generation's fences were all notified; repository names have no colon. */
    static final String GENERATION_PAYLOAD = "generation:";

    // A manifest deleted takes the tags that pointed at it on the primary: their push fences are
    // over (the delete's fence pins every read they pinned but the catalog's, until the replica
    // applied the delete), and would otherwise stand until they expire, since the replica will
    // never show those tags at that manifest again.
    private static final String DROP_TAGS_OF_DELETED = """
            DELETE FROM router_fences WHERE repository = ? AND kind = 'tag' AND present AND digest = ?
            """;

    private static final String DELETE_EXPIRED = """
            DELETE FROM router_fences WHERE expires_at < now()
            """;

    private static final String COLUMNS = "id, repository, kind, target, digest, present, descriptor,"
            + " coalesce(replica_delete_generation, 0), created_at, expires_at, shown_at";

    private static final String ALL_LIVE = "SELECT " + COLUMNS + " FROM router_fences WHERE expires_at > now()";

    private static final String LIVE_OF_REPOSITORY =
            "SELECT " + COLUMNS + " FROM router_fences WHERE repository = ? AND expires_at > now()";

    // Only the fence that was checked (a later write to the same target has a newer created_at and
    // stays), and only once a replica first showed its write at least the replicas' staleness ago.
    private static final String CLEAR = """
            DELETE FROM router_fences
             WHERE id = ? AND created_at = ? AND coalesce(shown_at, now()) <= now() - make_interval(secs => ?)
            """;

    private static final String SHOWN = """
            UPDATE router_fences SET shown_at = now() WHERE id = ? AND created_at = ? AND shown_at IS NULL
            """;

    private final Transactions transactions;
    private final Duration ttl;
    private final Duration staleness;

    /**
     * @param ttl       the longest a fence stands
     * @param staleness how long after a replica first shows a fence's write the fence still
     *                  stands ({@link RouterConfig.ReplicaEndpoint#staleness()})
     */
    public FenceStore(Transactions transactions, Duration ttl, Duration staleness) {
        this.transactions = transactions;
        this.ttl = ttl;
        this.staleness = staleness;
    }

    /**
     * Records the fences of one write in one transaction, counted as one generation (notified last,
     * see {@link #GENERATION_PAYLOAD}). A manifest deleted drops the push fences of the tags that
     * pointed at it; expired fences are dropped too.
     *
     * @return the generation the write was counted as, committed
     */
    public long record(List<Fence.Write> writes) {
        return transactions.inTransaction(c -> {
            long generation;
            try (PreparedStatement s = c.prepareStatement(NEXT_GENERATION);
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
            }
            for (Fence.Write w : writes) {
                try (PreparedStatement s =
                        c.prepareStatement(w.kind() == Fence.Kind.REFERRER ? UPSERT_REFERRER : UPSERT)) {
                    s.setString(1, w.repository());
                    s.setString(2, w.kind().column());
                    s.setString(3, w.target());
                    s.setString(4, w.digest());
                    s.setBoolean(5, w.present());
                    s.setString(6, w.descriptor());
                    s.setDouble(7, ttl.toMillis() / 1000.0);
                    s.setLong(8, w.replicaDeleteGeneration());
                    s.executeUpdate();
                }
                if (w.kind() == Fence.Kind.MANIFEST && !w.present()) {
                    try (PreparedStatement s = c.prepareStatement(DROP_TAGS_OF_DELETED)) {
                        s.setString(1, w.repository());
                        s.setString(2, w.digest());
                        s.executeUpdate();
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement(DELETE_EXPIRED)) {
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(NOTIFY_GENERATION)) {
                s.setString(1, GENERATION_PAYLOAD + generation);
                s.execute();
            }
            return generation;
        });
    }

    /**
     * The router leases a write of {@code generation} still waits for: other than {@code self}'s
     * (null: this router holds none), unexpired on the database's clock, not acked, and renewed at
     * or before {@code firstLook} — the {@link Unacked#now} of the write's first call (null on the
     * first call itself, which must come after the generation committed).
     */
    public Unacked unacked(String self, long generation, OffsetDateTime firstLook) {
        return transactions.read(c -> {
            try (PreparedStatement s = c.prepareStatement(UNACKED)) {
                s.setString(1, self == null ? "" : self);
                s.setLong(2, generation);
                s.setObject(3, firstLook);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return new Unacked(
                            rs.getObject(1, OffsetDateTime.class),
                            rs.getLong(2),
                            Duration.of(rs.getLong(3), ChronoUnit.MICROS),
                            Duration.of(rs.getLong(4), ChronoUnit.MICROS));
                }
            }
        });
    }

    /**
     * What {@link #unacked} found: the database's {@code now()}, the leases still waited for, and
     * the shortest and longest lease of all unexpired rows, this router's included (zero: none).
     */
    public record Unacked(OffsetDateTime now, long count, Duration shortestLease, Duration longestLease) {}

    /** The generation of the latest committed {@link #record}. */
    public long generation() {
        return transactions.read(c -> {
            try (PreparedStatement s = c.prepareStatement(GENERATION);
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** The replica's delete generation now (migration V13), read before a delete goes to the primary. */
    public long replicaDeleteGeneration() {
        return transactions.read(Tombstones::deleteGeneration);
    }

    /**
     * Whether the replica applied the delete that a fence of a manifest, blob or tag deleted is about
     * ({@link Tombstones#deleteShown}): it holds a tombstone of the target newer than the
     * generation read before the delete went to the primary, from which on no copy that read the
     * primary before the delete can store the content again — or the fence is older than a
     * tombstone lives.
     */
    public boolean deleteApplied(Fence fence) {
        String kind = switch (fence.kind()) {
            case BLOB -> Tombstones.BLOB;
            case TAG -> Tombstones.TAG;
            default -> Tombstones.MANIFEST;
        };
        return transactions.read(c -> Tombstones.deleteShown(
                c, fence.repository(), kind, fence.target(), fence.replicaDeleteGeneration(), fence.createdAt()));
    }

    /** Records the fence of a manifest push: {@code tag} null for a push by digest. */
    public long record(String repository, String tag, String digest) {
        return record(List.of(
                tag == null
                        ? Fence.Write.manifestPushed(repository, digest)
                        : Fence.Write.tagPushed(repository, tag, digest)));
    }

    /**
     * A replica shows what the fence's write left: the fence is cleared when a replica first
     * showed it at least {@code staleness} ago, and otherwise stands on. A registry-read answers
     * a change from its cache only once the change's notification has reached it, at most
     * {@code staleness} later; the replica that showed the write may not be the one the next
     * read reaches (another router's, another registry-read pod), so until then the write's
     * reads stay with the primary.
     *
     * @return whether this call cleared it (false too when another reader cleared or a newer
     *     write replaced it: that read goes to the primary once more)
     */
    public boolean clearShown(Fence fence) {
        if (settling(fence, Instant.now())) {
            return false;
        }
        return transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(CLEAR)) {
                s.setLong(1, fence.id());
                s.setObject(2, fence.createdAt().atOffset(ZoneOffset.UTC));
                s.setDouble(3, staleness.toMillis() / 1000.0);
                if (s.executeUpdate() > 0) {
                    return true;
                }
            }
            // Once only: every change of the row notifies each router's view.
            try (PreparedStatement s = c.prepareStatement(SHOWN)) {
                s.setLong(1, fence.id());
                s.setObject(2, fence.createdAt().atOffset(ZoneOffset.UTC));
                s.executeUpdate();
                return false;
            }
        });
    }

    /**
     * Whether a replica already showed the fence's write less than {@code staleness} before
     * {@code now}: the fence stands whatever a replica shows now, so a read need not ask one, nor
     * the table. Read from the fence as loaded (the router's clock against the database's
     * {@code shown_at}): a router whose clock runs behind keeps a read with the primary a little
     * longer, one whose clock runs ahead asks {@link #clearShown} early, which the database's
     * clock then refuses — never a fence cleared too soon.
     */
    public boolean settling(Fence fence, Instant now) {
        return fence.shownAt() != null && now.isBefore(fence.shownAt().plus(staleness));
    }

    /** Those of {@code repositories} that the replica's catalog lists ({@link KnownRepositories}). */
    public Set<String> knownToReplica(Collection<String> repositories) {
        return transactions.read(c -> KnownRepositories.among(c, repositories));
    }

    /** Every live fence, for {@link FenceView}'s load on (re)connect and the catalog's check without one. */
    public List<Fence> allLive() {
        return list(ALL_LIVE, null);
    }

    /** The live fences of one repository. */
    public List<Fence> liveOf(String repository) {
        return list(LIVE_OF_REPOSITORY, repository);
    }

    private List<Fence> list(String sql, String repository) {
        return transactions.read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                if (repository != null) {
                    s.setString(1, repository);
                }
                try (ResultSet rs = s.executeQuery()) {
                    List<Fence> fences = new ArrayList<>();
                    while (rs.next()) {
                        fences.add(row(rs));
                    }
                    return fences;
                }
            }
        });
    }

    private static Fence row(ResultSet rs) throws SQLException {
        return new Fence(
                rs.getLong(1),
                rs.getString(2),
                Fence.Kind.ofColumn(rs.getString(3)),
                rs.getString(4),
                rs.getString(5),
                rs.getBoolean(6),
                rs.getString(7),
                rs.getLong(8),
                rs.getObject(9, OffsetDateTime.class).toInstant(),
                rs.getObject(10, OffsetDateTime.class).toInstant(),
                Optional.ofNullable(rs.getObject(11, OffsetDateTime.class))
                        .map(OffsetDateTime::toInstant)
                        .orElse(null));
    }
}
