package io.georeg.router.outage;

import io.georeg.db.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The grants the routers learned from the primary's token service, in PostgreSQL
 * ({@code outage_credentials}, {@code outage_grants}, migration V9) so that every router of the
 * site shares them: which repositories the primary let which credentials pull, and when it last
 * did. Credentials are kept as the user name and an Argon2id hash ({@link PasswordHash}); a user
 * keeps at most {@value #CREDENTIALS_PER_USER} credentials (CI job tokens share one user name), the
 * most recently learned. A client's repeated token requests are matched from
 * {@link VerifiedCredentials} (no new hash, no new write within a minute). Grants older than the window do not count and are pruned, as are the
 * oldest beyond {@code maxGrants}. Called by {@link TokenShield}.
 */
public final class OutageGrants {
    static final int CREDENTIALS_PER_USER = 4;

    private static final String CANDIDATES = """
            SELECT id, password_hash, token_lifetime_s FROM outage_credentials WHERE username = ?
            ORDER BY learned_at DESC, id DESC LIMIT %d
            """.formatted(CREDENTIALS_PER_USER);

    private static final String INSERT_CREDENTIAL = """
            INSERT INTO outage_credentials (username, password_hash, token_lifetime_s, learned_at) VALUES (?, ?, ?, ?) RETURNING id
            """;

    private static final String TOUCH_CREDENTIAL = """
            UPDATE outage_credentials SET token_lifetime_s = ?, learned_at = ? WHERE id = ?
            """;

    private static final String TRIM_USER = """
            DELETE FROM outage_credentials WHERE username = ? AND id NOT IN (
                SELECT id FROM outage_credentials WHERE username = ? ORDER BY learned_at DESC, id DESC LIMIT %d)
            """.formatted(CREDENTIALS_PER_USER);

    private static final String UPSERT_GRANT = """
            INSERT INTO outage_grants (credential_id, repository, granted_at) VALUES (?, ?, ?)
            ON CONFLICT (credential_id, repository) DO UPDATE SET granted_at = EXCLUDED.granted_at
            """;

    private static final String GRANTED = """
            SELECT repository FROM outage_grants WHERE credential_id = ? AND granted_at > ?
            """;

    private static final String DELETE_CREDENTIAL = """
            DELETE FROM outage_credentials WHERE id = ?
            """;

    private static final String PRUNE_EXPIRED = """
            DELETE FROM outage_grants WHERE granted_at <= ?
            """;

    private static final String PRUNE_OLDEST = """
            DELETE FROM outage_grants WHERE (credential_id, repository) IN (
                SELECT credential_id, repository FROM outage_grants ORDER BY granted_at DESC OFFSET ?)
            """;

    private static final String PRUNE_CREDENTIALS = """
            DELETE FROM outage_credentials c WHERE NOT EXISTS (SELECT 1 FROM outage_grants g WHERE g.credential_id = c.id)
            """;

    private static final String COUNT = """
            SELECT count(*) FROM outage_grants WHERE granted_at > ?
            """;

    private final Transactions transactions;
    private final Duration window;
    private final int maxGrants;
    private final Clock clock;
    private final VerifiedCredentials verified = new VerifiedCredentials();

    public OutageGrants(Transactions transactions, Duration window, int maxGrants, Clock clock) {
        this.transactions = transactions;
        this.window = window;
        this.maxGrants = maxGrants;
        this.clock = clock;
    }

    /** What a credential may pull on its own, and the lifetime of the primary's last token for it. */
    public record Granted(Set<String> repositories, Duration primaryTokenLifetime) {}

    private record Candidate(long id, String hash, int lifetimeSeconds) {}

    /** Records that the primary granted {@code pull} on {@code repositories} to {@code credentials} just now. */
    public void learn(Credentials credentials, Collection<String> repositories, Duration primaryTokenLifetime) {
        if (repositories.isEmpty()
                || verified.learnedRecently(credentials, Set.copyOf(repositories), clock.instant())) {
            return;
        }
        // The slow hash runs before the transaction, so no connection is held while it does.
        List<Candidate> candidates = transactions.read(c -> candidates(c, credentials.username()));
        Optional<Candidate> known = match(credentials, candidates);
        String newHash = known.isPresent()
                ? known.get().hash()
                : credentials.anonymous() ? "" : PasswordHash.hash(credentials.password());
        int lifetime = (int) Math.max(1, Math.min(Integer.MAX_VALUE, primaryTokenLifetime.toSeconds()));
        Timestamp now = Timestamp.from(clock.instant());
        long credentialId = transactions.inTransaction(c -> {
            long id;
            if (known.isPresent()) {
                id = known.get().id();
                try (PreparedStatement ps = c.prepareStatement(TOUCH_CREDENTIAL)) {
                    ps.setInt(1, lifetime);
                    ps.setTimestamp(2, now);
                    ps.setLong(3, id);
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement(INSERT_CREDENTIAL)) {
                    ps.setString(1, credentials.username());
                    ps.setString(2, newHash);
                    ps.setInt(3, lifetime);
                    ps.setTimestamp(4, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(TRIM_USER)) {
                    ps.setString(1, credentials.username());
                    ps.setString(2, credentials.username());
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(UPSERT_GRANT)) {
                for (String repository : new TreeSet<>(repositories)) { // one lock order for concurrent learners
                    ps.setLong(1, id);
                    ps.setString(2, repository);
                    ps.setTimestamp(3, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return id;
        });
        verified.learned(credentials, credentialId, newHash, Set.copyOf(repositories), now.toInstant());
    }

    /**
     * The grants of {@code credentials} within the window, or empty when no stored credential
     * matches them (unknown user and wrong password alike, in the same time).
     */
    public Optional<Granted> lookup(Credentials credentials) {
        List<Candidate> candidates = transactions.read(c -> candidates(c, credentials.username()));
        Optional<Candidate> match = match(credentials, candidates);
        if (match.isEmpty()) {
            return Optional.empty();
        }
        Timestamp since = Timestamp.from(clock.instant().minus(window));
        Set<String> repositories = transactions.read(c -> {
            Set<String> out = new TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement(GRANTED)) {
                ps.setLong(1, match.get().id());
                ps.setTimestamp(2, since);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
        return Optional.of(new Granted(
                Set.copyOf(repositories), Duration.ofSeconds(match.get().lifetimeSeconds())));
    }

    /** Deletes the stored credential these credentials match, with its grants; true when there was one. */
    public boolean revoke(Credentials credentials) {
        List<Candidate> candidates = transactions.read(c -> candidates(c, credentials.username()));
        Optional<Candidate> match = match(credentials, candidates);
        if (match.isEmpty()) {
            return false;
        }
        verified.forget(credentials);
        return transactions.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(DELETE_CREDENTIAL)) {
                ps.setLong(1, match.get().id());
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Deletes grants past the window and the oldest beyond {@code maxGrants}, then credentials left without grants. */
    public void prune() {
        Timestamp expired = Timestamp.from(clock.instant().minus(window));
        transactions.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(PRUNE_EXPIRED)) {
                ps.setTimestamp(1, expired);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(PRUNE_OLDEST)) {
                ps.setInt(1, maxGrants);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(PRUNE_CREDENTIALS)) {
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Grants within the window, all credentials together. */
    public long held() {
        Timestamp since = Timestamp.from(clock.instant().minus(window));
        return transactions.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT)) {
                ps.setTimestamp(1, since);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static List<Candidate> candidates(Connection c, String username) throws SQLException {
        List<Candidate> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CANDIDATES)) {
            ps.setString(1, username);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate(rs.getLong(1), rs.getString(2), rs.getInt(3)));
                }
            }
        }
        return out;
    }

    /**
     * The stored credential these credentials match. Every candidate's hash is checked (no early
     * exit) and a user with none costs one decoy hash, so the time says nothing about which user
     * names exist.
     */
    private Optional<Candidate> match(Credentials credentials, List<Candidate> candidates) {
        if (credentials.anonymous()) {
            return candidates.stream().filter(c -> c.hash().isEmpty()).findFirst();
        }
        Map<Long, String> hashes = new HashMap<>();
        candidates.forEach(c -> hashes.put(c.id(), c.hash()));
        Optional<Long> remembered = verified.verified(credentials, hashes, clock.instant());
        if (remembered.isPresent()) {
            return candidates.stream().filter(c -> c.id() == remembered.get()).findFirst();
        }
        if (candidates.isEmpty()) {
            PasswordHash.verifyNothing(credentials.password());
            return Optional.empty();
        }
        Candidate found = null;
        for (Candidate c : candidates) {
            if (!c.hash().isEmpty() && PasswordHash.verify(credentials.password(), c.hash()) && found == null) {
                found = c;
            }
        }
        if (found != null) {
            verified.remember(credentials, found.id(), found.hash(), clock.instant());
        }
        return Optional.ofNullable(found);
    }
}
