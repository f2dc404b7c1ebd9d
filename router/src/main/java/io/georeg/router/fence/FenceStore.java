package io.georeg.router.fence;

import io.georeg.db.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code router_fences} table (migration V3): records a fence for each manifest pushed
 * through the router, finds the fence that pins a read, and clears a fence once the replica
 * serves its digest; loads live fences for {@link FenceView}. Called by {@link ReadYourWrites}; all access through the db module's
 * {@link Transactions}.
 */
public final class FenceStore {

    private static final String UPSERT_TAG = """
            INSERT INTO router_fences (repository, tag, digest, expires_at)
            VALUES (?, ?, ?, now() + make_interval(secs => ?))
            ON CONFLICT (repository, tag) WHERE tag IS NOT NULL
            DO UPDATE SET digest = EXCLUDED.digest, created_at = now(), expires_at = EXCLUDED.expires_at
            """;

    private static final String UPSERT_DIGEST = """
            INSERT INTO router_fences (repository, tag, digest, expires_at)
            VALUES (?, NULL, ?, now() + make_interval(secs => ?))
            ON CONFLICT (repository, digest) WHERE tag IS NULL
            DO UPDATE SET created_at = now(), expires_at = EXCLUDED.expires_at
            """;

    private static final String DELETE_EXPIRED = """
            DELETE FROM router_fences WHERE expires_at < now()
            """;

    private static final String FIND_BY_TAG = """
            SELECT repository, tag, digest, created_at, expires_at FROM router_fences
            WHERE repository = ? AND tag = ? AND expires_at > now()
            """;

    private static final String FIND_BY_DIGEST = """
            SELECT repository, tag, digest, created_at, expires_at FROM router_fences
            WHERE repository = ? AND digest = ? AND expires_at > now()
            ORDER BY created_at DESC LIMIT 1
            """;

    private static final String ALL_LIVE = """
            SELECT repository, tag, digest, created_at, expires_at FROM router_fences
            WHERE expires_at > now()
            """;

    private static final String LIVE_OF_REPOSITORY = """
            SELECT repository, tag, digest, created_at, expires_at FROM router_fences
            WHERE repository = ? AND expires_at > now()
            """;

    // Only the fence that was checked: a newer push of the same tag has its own digest and stays.
    private static final String CLEAR = """
            DELETE FROM router_fences WHERE repository = ? AND tag IS NOT DISTINCT FROM ? AND digest = ?
            """;

    private final Transactions transactions;
    private final Duration ttl;

    public FenceStore(Transactions transactions, Duration ttl) {
        this.transactions = transactions;
        this.ttl = ttl;
    }

    /** Records the fence of a push; tag null for a push by digest. Also drops expired fences. */
    public void record(String repository, String tag, String digest) {
        transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(tag == null ? UPSERT_DIGEST : UPSERT_TAG)) {
                int i = 1;
                s.setString(i++, repository);
                if (tag != null) {
                    s.setString(i++, tag);
                }
                s.setString(i++, digest);
                s.setDouble(i, ttl.toMillis() / 1000.0);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(DELETE_EXPIRED)) {
                s.executeUpdate();
            }
            return null;
        });
    }

    /** The live fence on a tag of a repository. */
    public Optional<Fence> byTag(String repository, String tag) {
        return find(FIND_BY_TAG, repository, tag);
    }

    /** The latest live fence on a digest pushed to a repository. */
    public Optional<Fence> byDigest(String repository, String digest) {
        return find(FIND_BY_DIGEST, repository, digest);
    }

    public void clear(Fence fence) {
        transactions.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(CLEAR)) {
                s.setString(1, fence.repository());
                s.setString(2, fence.tag());
                s.setString(3, fence.digest());
                return s.executeUpdate();
            }
        });
    }

    /** Every live fence, for {@link FenceView}'s load on (re)connect. */
    public List<Fence> allLive() {
        return list(ALL_LIVE, null);
    }

    /** The live fences of one repository, for {@link FenceView}'s reload on a notification. */
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
        return new Fence(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getObject(4, java.time.OffsetDateTime.class).toInstant(),
                rs.getObject(5, java.time.OffsetDateTime.class).toInstant());
    }

    private Optional<Fence> find(String sql, String repository, String key) {
        return transactions.read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, repository);
                s.setString(2, key);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(row(rs));
                }
            }
        });
    }
}
