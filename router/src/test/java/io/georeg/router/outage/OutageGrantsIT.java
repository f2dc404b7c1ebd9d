package io.georeg.router.outage;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.testkit.db.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared grants table on a real PostgreSQL: what is learned, matched, revoked, pruned and stored. */
class OutageGrantsIT {
    private static final Duration WINDOW = Duration.ofHours(1);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static final AtomicReference<Instant> NOW = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    static final Clock CLOCK = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return NOW.get();
        }
    };
    OutageGrants grants;

    @BeforeAll
    static void start() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @BeforeEach
    void empty() throws Exception {
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE outage_credentials CASCADE");
        }
        grants = new OutageGrants(database.transactions(), WINDOW, 1000, CLOCK);
    }

    static Credentials alice(String password) {
        return new Credentials("alice", password);
    }

    @Test
    void learnedGrantsAreFoundWithTheSameCredentialsOnly() {
        grants.learn(alice("s3cret"), Set.of("team/app", "team/lib"), Duration.ofMinutes(5));

        assertThat(grants.lookup(alice("s3cret"))).get().satisfies(g -> {
            assertThat(g.repositories()).containsExactlyInAnyOrder("team/app", "team/lib");
            assertThat(g.primaryTokenLifetime()).isEqualTo(Duration.ofMinutes(5));
        });
        assertThat(grants.lookup(alice("wrong"))).isEmpty();
        assertThat(grants.lookup(new Credentials("mallory", "s3cret"))).isEmpty();
        assertThat(grants.lookup(Credentials.ANONYMOUS)).isEmpty();
    }

    @Test
    void anonymousGrantsAreTheirOwnCredential() {
        grants.learn(Credentials.ANONYMOUS, Set.of("public/base"), Duration.ofMinutes(5));

        assertThat(grants.lookup(Credentials.ANONYMOUS))
                .get()
                .extracting(OutageGrants.Granted::repositories)
                .isEqualTo(Set.of("public/base"));
        assertThat(grants.lookup(alice("s3cret"))).isEmpty();
    }

    @Test
    void grantsOutsideTheWindowDoNotCountAndArePruned() {
        grants.learn(alice("s3cret"), Set.of("team/old"), Duration.ofMinutes(5));
        NOW.set(NOW.get().plus(WINDOW).plusSeconds(1));
        grants.learn(alice("s3cret"), Set.of("team/new"), Duration.ofMinutes(5));

        assertThat(grants.lookup(alice("s3cret")))
                .get()
                .extracting(OutageGrants.Granted::repositories)
                .isEqualTo(Set.of("team/new"));
        assertThat(grants.held()).isEqualTo(1);
        grants.prune();
        assertThat(rows("SELECT repository FROM outage_grants")).containsExactly("team/new");
    }

    @Test
    void theTableIsBoundedTheOldestGrantsGoFirstAndCredentialsWithoutGrantsGoWithThem() {
        OutageGrants small = new OutageGrants(database.transactions(), WINDOW, 2, CLOCK);
        small.learn(new Credentials("bob", "pw"), Set.of("a/one"), Duration.ofMinutes(5));
        NOW.set(NOW.get().plusSeconds(1));
        small.learn(alice("s3cret"), Set.of("a/two"), Duration.ofMinutes(5));
        NOW.set(NOW.get().plusSeconds(1));
        small.learn(alice("s3cret"), Set.of("a/three"), Duration.ofMinutes(5));

        small.prune();

        assertThat(rows("SELECT repository FROM outage_grants")).containsExactlyInAnyOrder("a/two", "a/three");
        assertThat(rows("SELECT username FROM outage_credentials")).containsExactly("alice");
    }

    @Test
    void revokingDeletesTheMatchingCredentialWithItsGrantsAndNothingElse() {
        grants.learn(alice("old-token"), Set.of("team/app"), Duration.ofMinutes(5));
        grants.learn(alice("new-token"), Set.of("team/app"), Duration.ofMinutes(5));

        assertThat(grants.revoke(alice("wrong"))).isFalse();
        assertThat(grants.revoke(alice("old-token"))).isTrue();

        assertThat(grants.lookup(alice("old-token"))).isEmpty();
        assertThat(grants.lookup(alice("new-token"))).isPresent();
    }

    @Test
    void aUserKeepsOnlyItsMostRecentCredentials() {
        for (int i = 0; i < OutageGrants.CREDENTIALS_PER_USER + 2; i++) {
            NOW.set(NOW.get().plusSeconds(1));
            grants.learn(alice("job-token-" + i), Set.of("team/app"), Duration.ofMinutes(5));
        }

        assertThat(rows("SELECT id::text FROM outage_credentials")).hasSize(OutageGrants.CREDENTIALS_PER_USER);
        assertThat(grants.lookup(alice("job-token-0"))).isEmpty();
        assertThat(grants.lookup(alice("job-token-" + (OutageGrants.CREDENTIALS_PER_USER + 1))))
                .isPresent();
    }

    @Test
    void repeatedGrantsAreWrittenAtMostOncePerMinuteAndARevokedCredentialIsVerifiedAfresh() {
        grants.learn(alice("s3cret"), Set.of("team/app"), Duration.ofMinutes(5));
        List<String> first = rows("SELECT granted_at::text FROM outage_grants");
        NOW.set(NOW.get().plusSeconds(30));
        grants.learn(alice("s3cret"), Set.of("team/app"), Duration.ofMinutes(5));
        assertThat(rows("SELECT granted_at::text FROM outage_grants")).isEqualTo(first);
        NOW.set(NOW.get().plus(VerifiedCredentials.RELEARN_AFTER));
        grants.learn(alice("s3cret"), Set.of("team/app"), Duration.ofMinutes(5));
        assertThat(rows("SELECT granted_at::text FROM outage_grants")).isNotEqualTo(first);

        assertThat(grants.lookup(alice("s3cret"))).isPresent();
        // Deleted by another router: the remembered match no longer counts.
        new OutageGrants(database.transactions(), WINDOW, 1000, CLOCK).revoke(alice("s3cret"));
        assertThat(grants.lookup(alice("s3cret"))).isEmpty();
    }

    @Test
    void theTablesHoldNoPlaintextCredentialOnlySaltedArgon2idHashes() {
        String password = "correct-horse-battery-staple";
        grants.learn(alice(password), Set.of("team/app"), Duration.ofMinutes(5));
        grants.learn(new Credentials("bob", password), Set.of("team/app"), Duration.ofMinutes(5));

        List<String> everything =
                rows("SELECT c::text FROM outage_credentials c UNION ALL SELECT g::text FROM outage_grants g");
        List<String> hashes = rows("SELECT password_hash FROM outage_credentials ORDER BY username");

        assertThat(everything)
                .isNotEmpty()
                .noneMatch(row -> row.contains(password))
                .noneMatch(row -> row.contains(java.util.Base64.getEncoder().encodeToString(password.getBytes())));
        assertThat(hashes).allMatch(h -> h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
        // Salted: the same password hashes differently for each credential.
        assertThat(hashes.get(0)).isNotEqualTo(hashes.get(1));
    }

    static RefreshToken refreshToken(String suffix) {
        return new RefreshToken("identity-token-0123456789-" + suffix);
    }

    @Test
    void aRefreshTokenIsFoundByItselfAlone() {
        grants.learn(refreshToken("a"), "carol", Set.of("team/app"), Duration.ofMinutes(15));

        assertThat(grants.lookup(refreshToken("a"))).get().satisfies(g -> {
            assertThat(g.subject()).isEqualTo("carol");
            assertThat(g.repositories()).containsExactly("team/app");
            assertThat(g.primaryTokenLifetime()).isEqualTo(Duration.ofMinutes(15));
        });
        assertThat(grants.lookup(refreshToken("b"))).isEmpty();
        assertThat(grants.lookup(new Credentials("carol", refreshToken("a").token())))
                .as("a refresh token is no password of its subject")
                .isEmpty();
    }

    @Test
    void aRefreshTokenLearnedAtItsLoginWithoutGrantsIsKeptForTheWindow() {
        grants.learn(refreshToken("login"), "carol", Set.of(), Duration.ofMinutes(15));
        grants.prune();

        assertThat(grants.lookup(refreshToken("login")))
                .get()
                .extracting(OutageGrants.Granted::repositories)
                .isEqualTo(Set.of());
        NOW.set(NOW.get().plus(WINDOW).plusSeconds(1));
        grants.prune();
        assertThat(grants.lookup(refreshToken("login"))).isEmpty();
    }

    @Test
    void revokingARefreshTokenDeletesItAndItsGrantsOnly() {
        grants.learn(refreshToken("a"), "carol", Set.of("team/app"), Duration.ofMinutes(5));
        grants.learn(refreshToken("b"), "carol", Set.of("team/app"), Duration.ofMinutes(5));
        grants.learn(new Credentials("carol", "c4rol"), Set.of("team/app"), Duration.ofMinutes(5));

        assertThat(grants.revoke(refreshToken("a"))).isTrue();
        assertThat(grants.revoke(refreshToken("a"))).isFalse();

        assertThat(grants.lookup(refreshToken("a"))).isEmpty();
        assertThat(grants.lookup(refreshToken("b"))).isPresent();
        assertThat(grants.lookup(new Credentials("carol", "c4rol"))).isPresent();
    }

    @Test
    void aSubjectKeepsItsMostRecentRefreshTokensApartFromItsPasswords() {
        grants.learn(new Credentials("carol", "c4rol"), Set.of("team/app"), Duration.ofMinutes(5));
        for (int i = 0; i < OutageGrants.REFRESH_TOKENS_PER_USER + 2; i++) {
            NOW.set(NOW.get().plusSeconds(1));
            grants.learn(refreshToken("login-" + i), "carol", Set.of("team/app"), Duration.ofMinutes(5));
        }

        assertThat(rows("SELECT id::text FROM outage_credentials WHERE refresh_token_hash IS NOT NULL"))
                .hasSize(OutageGrants.REFRESH_TOKENS_PER_USER);
        assertThat(grants.lookup(refreshToken("login-0"))).isEmpty();
        assertThat(grants.lookup(refreshToken("login-" + (OutageGrants.REFRESH_TOKENS_PER_USER + 1))))
                .isPresent();
        assertThat(grants.lookup(new Credentials("carol", "c4rol")))
                .as("her password stays")
                .isPresent();
    }

    @Test
    void theTablesHoldNoRefreshTokenOnlyItsHash() {
        RefreshToken token = refreshToken("secret");
        grants.learn(token, "carol", Set.of("team/app"), Duration.ofMinutes(5));

        List<String> everything =
                rows("SELECT c::text FROM outage_credentials c UNION ALL SELECT g::text FROM outage_grants g");

        assertThat(everything).isNotEmpty().noneMatch(row -> row.contains(token.token()));
        assertThat(rows("SELECT encode(refresh_token_hash, 'hex') FROM outage_credentials"))
                .containsExactly(java.util.HexFormat.of().formatHex(token.hash()));
    }

    private static List<String> rows(String sql) {
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
