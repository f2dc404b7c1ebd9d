package io.georeg.router.admin;

import io.georeg.db.Transactions;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The {@code router_admin_state} row (migration V4), shared by every router instance through
 * PostgreSQL: {@code georeg drill} or {@code georeg promote} switching one router switches all
 * of them at their next poll ({@code router.admin.pollInterval}).
 *
 * <p>Every read and write is bounded by {@code router.admin.storeTimeout} once it has a pooled
 * connection (the pool bounds the wait for one by {@code database.connectionTimeout}), so that
 * {@link SiteControl}, which applies the answers in order, is never held by a stalled database.
 * Two bounds, because a stall comes in two kinds: a server that answers late (a lock held by
 * someone else, an overloaded server) is stopped by {@code statement_timeout}, and the connection
 * stays usable; a server that does not answer at all (packets dropped, a failover in progress) is
 * given up by the connection's network timeout, which closes the connection (the pool drops it).
 * {@link java.sql.Statement#setQueryTimeout} would not do for the second: pgjdbc cancels by
 * sending a cancel request on a new connection and then waits for the statement's error on the
 * old one, neither of which a silent server delivers (pgjdbc issue 750).
 *
 * <p>A poll's read, once a second on every router, is {@link #BOUNDED_READ} run through {@link
 * Transactions#atomically}: one round trip and no transaction control with pgjdbc's extended
 * protocol, a transaction in its simple query mode. Writes run in a transaction whose local settings bound each statement
 * and, should the connection go silent between a write and its {@code COMMIT}, the time the
 * server keeps the admin row locked for it ({@code idle_in_transaction_session_timeout}).
 */
public final class DatabaseAdminStateStore implements AdminStateStore {

    private static final String READ = """
            SELECT mode, reason, primary_url, updated_at FROM router_admin_state WHERE id = 1
            """;

    /**
     * {@link #READ} after a {@code statement_timeout} local to the transaction both run in, which
     * {@link Transactions#atomically} makes one transaction whatever pgjdbc's query mode (the
     * implicit one of a multi-statement sent with one Sync, or an explicit one in simple mode, where
     * each statement would otherwise be a transaction of its own and the setting would end before the
     * read starts). The setting has to come in a statement of its own: PostgreSQL arms the timeout
     * when a statement starts, so a {@code set_config} evaluated inside the read itself would bound
     * only later statements ({@code DatabaseAdminStateStoreIT} tries a read blocked by a table lock,
     * in both query modes).
     */
    private static final String BOUNDED_READ = "SELECT set_config('statement_timeout', ?, true); " + READ;

    /** The bounds of a write's transaction, set in one statement for the statements after it. */
    private static final String WRITE_BOUNDS = """
            SELECT set_config('statement_timeout', ?, true), set_config('idle_in_transaction_session_timeout', ?, true)
            """;

    private static final String SET_MODE = """
            INSERT INTO router_admin_state (id, mode, reason, updated_at) VALUES (1, ?, ?, now())
            ON CONFLICT (id) DO UPDATE SET mode = EXCLUDED.mode, reason = EXCLUDED.reason, updated_at = now()
            """;

    private static final String SET_PRIMARY = """
            INSERT INTO router_admin_state (id, primary_url, updated_at) VALUES (1, ?, now())
            ON CONFLICT (id) DO UPDATE SET primary_url = EXCLUDED.primary_url, updated_at = now()
            """;

    /**
     * The precondition of a switch ({@link AdminExpectation}): the comparison and the write in one
     * statement, so that no switch stored through another router between them is overwritten. The
     * primary compared is the one writes go to: the stored URL, else the configured one (the first
     * and third parameters); the expected one is the second, and when it is null (not compared)
     * both sides are that same primary. Ends {@link #SET_MODE_IF} and {@link #SET_PRIMARY_IF}.
     */
    private static final String EXPECTED =
            "WHERE id = 1 AND mode = ? AND COALESCE(primary_url, ?) = COALESCE(CAST(? AS text), primary_url, ?)";

    private static final String SET_MODE_IF =
            "UPDATE router_admin_state SET mode = ?, reason = ?, updated_at = now() " + EXPECTED;

    private static final String SET_PRIMARY_IF =
            "UPDATE router_admin_state SET primary_url = ?, updated_at = now() " + EXPECTED;

    /** The row exists from migration V4 on; a state read as {@link AdminState#initial()} is never a basis. */
    private static final String SET_IF_UNCHANGED = """
            UPDATE router_admin_state SET mode = ?, reason = ?, primary_url = ?, updated_at = now()
            WHERE id = 1 AND updated_at = ?
            """;

    /**
     * How much longer than {@code statement_timeout} the network timeout is: a server that is
     * slow but alive ends the statement itself, and its error arrives before the client gives the
     * connection up.
     */
    private static final Duration SERVER_FIRST = Duration.ofMillis(500);

    private final Transactions transactions;
    /** {@code router.admin.storeTimeout} as the server's settings take it: whole milliseconds. */
    private final String serverTimeout;
    /** The connection's network timeout, in milliseconds: the server's, and {@link #SERVER_FIRST} on top. */
    private final int networkTimeoutMillis;

    /**
     * @param timeout {@code router.admin.storeTimeout}; at least a millisecond, since PostgreSQL
     *                takes a {@code statement_timeout} of 0 as none
     */
    public DatabaseAdminStateStore(Transactions transactions, Duration timeout) {
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("router.admin.storeTimeout: at least 1 ms (a setting of 0 ms"
                    + " would leave the database's statements unbounded), not " + timeout);
        }
        this.transactions = transactions;
        this.serverTimeout = Integer.toString(millis(timeout));
        this.networkTimeoutMillis = millis(timeout.plus(SERVER_FIRST));
    }

    @Override
    public AdminState read() {
        return transactions.atomically(c -> {
            giveUpOnSilence(c);
            try (PreparedStatement ps = c.prepareStatement(BOUNDED_READ)) {
                ps.setString(1, serverTimeout);
                ps.execute();
                if (!ps.getMoreResults()) {
                    throw new IllegalStateException(
                            "pgjdbc gave no result for the read after its set_config: " + BOUNDED_READ);
                }
                try (ResultSet rs = ps.getResultSet()) {
                    return row(rs);
                }
            }
        });
    }

    @Override
    public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
        if (expect.isPresent()) {
            return setIf(SET_MODE_IF, expect.get(), ps -> {
                ps.setString(1, mode.label());
                ps.setString(2, reason == null ? "" : reason);
                return 3;
            });
        }
        return bounded(c -> {
            try (PreparedStatement ps = c.prepareStatement(SET_MODE)) {
                ps.setString(1, mode.label());
                ps.setString(2, reason == null ? "" : reason);
                ps.executeUpdate();
            }
            return select(c);
        });
    }

    @Override
    public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
        if (expect.isPresent()) {
            return setIf(SET_PRIMARY_IF, expect.get(), ps -> {
                ps.setString(1, url.map(URI::toString).orElse(null));
                return 2;
            });
        }
        return bounded(c -> {
            try (PreparedStatement ps = c.prepareStatement(SET_PRIMARY)) {
                ps.setString(1, url.map(URI::toString).orElse(null));
                ps.executeUpdate();
            }
            return select(c);
        });
    }

    /** Sets a switch's own parameters; answers the index of the first of {@link #EXPECTED}'s. */
    private interface SwitchValues {
        int set(PreparedStatement ps) throws SQLException;
    }

    /** What a conditional switch found: the stored state after it, and whether it was made. */
    private record Outcome(boolean taken, AdminState state) {}

    /** A switch made only if {@code expect} matches the stored state; else {@link AdminStateChanged} with that state. */
    private AdminState setIf(String update, AdminExpectation expect, SwitchValues values) {
        Outcome outcome = bounded(c -> {
            int taken;
            try (PreparedStatement ps = c.prepareStatement(update)) {
                int i = values.set(ps);
                String configured = expect.configuredPrimary().toString();
                ps.setString(i, expect.mode().label());
                ps.setString(i + 1, configured);
                ps.setString(i + 2, expect.primary().map(URI::toString).orElse(null));
                ps.setString(i + 3, configured);
                taken = ps.executeUpdate();
            }
            return new Outcome(taken == 1, select(c));
        });
        if (!outcome.taken()) {
            throw new AdminStateChanged(expect, outcome.state());
        }
        return outcome.state();
    }

    @Override
    public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
        return bounded(c -> {
            try (PreparedStatement ps = c.prepareStatement(SET_IF_UNCHANGED)) {
                ps.setString(1, wanted.mode().label());
                ps.setString(2, wanted.reason());
                ps.setString(3, wanted.primaryUrl().map(URI::toString).orElse(null));
                ps.setObject(4, basis.atOffset(ZoneOffset.UTC));
                if (ps.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            return Optional.of(select(c));
        });
    }

    /**
     * Runs {@code read} with the bounds of this store's own calls: for the router's other shared
     * state polled beside the admin row ({@link ReplicaBinding}), so that a stalled database holds
     * neither the router's start nor that poll longer than it holds the admin state's own read.
     */
    public <T> T boundedRead(Transactions.Work<T> read) {
        return bounded(read);
    }

    /**
     * Runs {@code work} in a transaction bounded as the class comment says. The bounds end with
     * it: the settings with the transaction, the network timeout when the pool takes the
     * connection back (HikariCP restores it). {@code idle_in_transaction_session_timeout}: a
     * connection that goes silent after a write and before its {@code COMMIT} leaves the server
     * holding the admin row's lock, and every other router's switch waiting on it, until the
     * server hears the connection is gone, which TCP may take hours to tell; the server ends such a
     * session itself once it has waited as long as this router would for any answer.
     */
    private <T> T bounded(Transactions.Work<T> work) {
        return transactions.inTransaction(c -> {
            giveUpOnSilence(c);
            try (PreparedStatement ps = c.prepareStatement(WRITE_BOUNDS)) {
                ps.setString(1, serverTimeout);
                ps.setString(2, serverTimeout);
                ps.execute();
            }
            return work.apply(c);
        });
    }

    /** The client's bound, for a server that does not answer at all (see the class comment). */
    private void giveUpOnSilence(Connection c) throws SQLException {
        c.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    private static AdminState select(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(READ);
                ResultSet rs = ps.executeQuery()) {
            return row(rs);
        }
    }

    private static AdminState row(ResultSet rs) throws SQLException {
        if (!rs.next()) {
            return AdminState.initial();
        }
        String url = rs.getString("primary_url");
        return new AdminState(
                RouterMode.parse(rs.getString("mode")),
                rs.getString("reason"),
                Optional.ofNullable(url).map(URI::create),
                rs.getTimestamp("updated_at").toInstant());
    }
}
