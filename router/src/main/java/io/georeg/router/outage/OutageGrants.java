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
 * ({@code outage_credentials}, {@code outage_grants}, migrations V9 and V23) so that every router
 * of the site shares them: which repositories the primary let which credentials pull, and when it
 * last did. A password is kept as the user name and an Argon2id hash ({@link PasswordHash}); a user
 * keeps at most {@value #CREDENTIALS_PER_USER} of them (CI job tokens share one user name), the
 * most recently learned. A refresh token is kept as the subject the primary's tokens for it named
 * and a SHA-256 ({@link RefreshToken#hash}), found by that hash alone; a subject keeps at most
 * {@value #REFRESH_TOKENS_PER_USER} (one per {@code docker login}), the most recently learned. A
 * client's repeated token requests are matched from {@link VerifiedCredentials} (no new hash, no
 * new write within a minute). Grants older than the window do not count and are pruned, as are the
 * oldest beyond {@code maxGrants}; a password without grants goes with them, a refresh token
 * without grants once it was learned longer ago than the window (it is learned at its login, which
 * asks for no scope, before any pull grant). Called by
 * {@link TokenShield}.
 */
public final class OutageGrants {
    static final int CREDENTIALS_PER_USER = 4;
    static final int REFRESH_TOKENS_PER_USER = 16;

    private static final String CANDIDATES = """
            SELECT id, username, password_hash, token_lifetime_s FROM outage_credentials
            WHERE username = ? AND refresh_token_hash IS NULL
            ORDER BY learned_at DESC, id DESC LIMIT %d
            """.formatted(CREDENTIALS_PER_USER);

    private static final String BY_REFRESH_TOKEN = """
            SELECT id, username, password_hash, token_lifetime_s FROM outage_credentials WHERE refresh_token_hash = ?
            """;

    private static final String UPSERT_REFRESH_TOKEN = """
            INSERT INTO outage_credentials (username, password_hash, refresh_token_hash, token_lifetime_s, learned_at)
            VALUES (?, '', ?, ?, ?)
            ON CONFLICT (refresh_token_hash) DO UPDATE SET
                username = EXCLUDED.username, token_lifetime_s = EXCLUDED.token_lifetime_s, learned_at = EXCLUDED.learned_at
            RETURNING id
            """;

    private static final String INSERT_CREDENTIAL = """
            INSERT INTO outage_credentials (username, password_hash, token_lifetime_s, learned_at) VALUES (?, ?, ?, ?) RETURNING id
            """;

    private static final String TOUCH_CREDENTIAL = """
            UPDATE outage_credentials SET token_lifetime_s = ?, learned_at = ? WHERE id = ?
            """;

    /** A user's passwords, or its refresh tokens ({@code (refresh_token_hash IS NULL) = ?}), beyond the most recent. */
    private static final String TRIM_USER = """
            DELETE FROM outage_credentials WHERE username = ? AND (refresh_token_hash IS NULL) = ? AND id NOT IN (
                SELECT id FROM outage_credentials WHERE username = ? AND (refresh_token_hash IS NULL) = ?
                ORDER BY learned_at DESC, id DESC LIMIT ?)
            """;

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
            DELETE FROM outage_credentials c
            WHERE NOT EXISTS (SELECT 1 FROM outage_grants g WHERE g.credential_id = c.id)
            AND (c.refresh_token_hash IS NULL OR c.learned_at <= ?)
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

    /**
     * What a credential may pull on its own, the subject its tokens name (the user name; a refresh
     * token's subject), and the lifetime of the primary's last token for it.
     */
    public record Granted(String subject, Set<String> repositories, Duration primaryTokenLifetime) {}

    private record Candidate(long id, String username, String hash, int lifetimeSeconds) {}

    /** Records that the primary granted {@code pull} on {@code repositories} to {@code credentials} just now. */
    public void learn(Credentials credentials, Collection<String> repositories, Duration primaryTokenLifetime) {
        if (repositories.isEmpty()
                || verified.learnedRecently(credentials, Set.copyOf(repositories), clock.instant())) {
            return;
        }
        // The slow hash runs before the transaction, so no connection is held while it does.
        Optional<Candidate> known = find(credentials);
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
                trimUser(c, credentials.username(), true, CREDENTIALS_PER_USER);
            }
            upsertGrants(c, id, repositories, now);
            return id;
        });
        verified.learned(credentials, credentialId, newHash, Set.copyOf(repositories), now.toInstant());
    }

    /**
     * Records that the primary answered a request with {@code token} (its refresh grant, or the
     * login that issued it) just now, with a token naming {@code subject} and granting {@code pull}
     * on {@code repositories} (none for a login).
     */
    public void learn(
            RefreshToken token, String subject, Collection<String> repositories, Duration primaryTokenLifetime) {
        if (verified.learnedRecently(token, Set.copyOf(repositories), clock.instant())) {
            return;
        }
        int lifetime = (int) Math.max(1, Math.min(Integer.MAX_VALUE, primaryTokenLifetime.toSeconds()));
        Timestamp now = Timestamp.from(clock.instant());
        long credentialId = transactions.inTransaction(c -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement(UPSERT_REFRESH_TOKEN)) {
                ps.setString(1, subject);
                ps.setBytes(2, token.hash());
                ps.setInt(3, lifetime);
                ps.setTimestamp(4, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            trimUser(c, subject, false, REFRESH_TOKENS_PER_USER);
            upsertGrants(c, id, repositories, now);
            return id;
        });
        verified.learned(token, credentialId, "", Set.copyOf(repositories), now.toInstant());
    }

    /** Deletes {@code username}'s passwords ({@code passwords}) or refresh tokens beyond the {@code keep} most recent. */
    private static void trimUser(Connection c, String username, boolean passwords, int keep) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TRIM_USER)) {
            ps.setString(1, username);
            ps.setBoolean(2, passwords);
            ps.setString(3, username);
            ps.setBoolean(4, passwords);
            ps.setInt(5, keep);
            ps.executeUpdate();
        }
    }

    private static void upsertGrants(Connection c, long credentialId, Collection<String> repositories, Timestamp now)
            throws SQLException {
        if (repositories.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT_GRANT)) {
            for (String repository : new TreeSet<>(repositories)) { // one lock order for concurrent learners
                ps.setLong(1, credentialId);
                ps.setString(2, repository);
                ps.setTimestamp(3, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * The grants of {@code who} within the window, or empty when no stored credential matches it
     * (unknown user and wrong password alike, in the same time; an unknown refresh token).
     */
    public Optional<Granted> lookup(Authentication who) {
        Optional<Candidate> match = find(who);
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
                match.get().username(),
                Set.copyOf(repositories),
                Duration.ofSeconds(match.get().lifetimeSeconds())));
    }

    /** Deletes the stored credential {@code who} matches, with its grants; true when there was one. */
    public boolean revoke(Authentication who) {
        Optional<Candidate> match = find(who);
        if (match.isEmpty()) {
            return false;
        }
        verified.forget(who);
        return transactions.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(DELETE_CREDENTIAL)) {
                ps.setLong(1, match.get().id());
                return ps.executeUpdate() > 0;
            }
        });
    }

    /**
     * Deletes grants past the window and the oldest beyond {@code maxGrants}, then the passwords left
     * without grants, and the refresh tokens without grants learned longer ago than the window.
     */
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
                ps.setTimestamp(1, expired);
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

    /** The stored credential {@code who} matches: a password's by its user's candidates, a refresh token's by its hash. */
    private Optional<Candidate> find(Authentication who) {
        return switch (who) {
            case Credentials credentials ->
                match(
                        credentials,
                        transactions.read(
                                c -> candidates(c, CANDIDATES, ps -> ps.setString(1, credentials.username()))));
            case RefreshToken token ->
                transactions.read(c -> candidates(c, BY_REFRESH_TOKEN, ps -> ps.setBytes(1, token.hash()))).stream()
                        .findFirst();
        };
    }

    @FunctionalInterface
    private interface Parameters {
        void set(PreparedStatement ps) throws SQLException;
    }

    private static List<Candidate> candidates(Connection c, String query, Parameters parameters) throws SQLException {
        List<Candidate> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(query)) {
            parameters.set(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
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
