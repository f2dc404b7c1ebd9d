package io.georeg.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A plain JDBC connection to the tracking database outside the pool, for work that keeps one
 * connection to itself: a {@code LISTEN} ({@link io.georeg.db.notify.NotifyListener}), or a query
 * so frequent that borrowing from the pool and preparing it each time would cost more than the
 * query (the router's fence generation). Auto-commit, TCP keep-alive, a socket time-out so that a
 * half-open connection fails its next statement instead of blocking for ever, and read committed
 * as the pool's connections ({@link Database#start}).
 */
public final class DedicatedConnection {
    /** Seconds a statement on a dedicated connection may wait for its answer. */
    private static final int SOCKET_TIMEOUT_SECONDS = 10;

    private DedicatedConnection() {}

    /** @param applicationName shown in {@code pg_stat_activity}, so the connection can be found */
    public static Connection open(DatabaseConfig database, String applicationName) throws SQLException {
        Properties p = new Properties();
        if (database.user() != null) {
            p.setProperty("user", database.user());
        }
        if (database.password() != null) {
            p.setProperty("password", database.password());
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty(
                "connectTimeout",
                Long.toString(Math.max(1, database.connectionTimeout().toSeconds())));
        p.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        Connection c = DriverManager.getConnection(database.url(), p);
        try {
            c.setAutoCommit(true);
            // The session's level whatever the server's, database's or role's
            // default_transaction_isolation, set once per connection (one SET SESSION
            // CHARACTERISTICS), not per statement. Under repeatable read an auto-commit UPDATE or
            // DELETE that waits for another transaction's lock on its row fails with 40001 when
            // that transaction changed the row, where read committed rechecks the row: a fence
            // lease's cleanup of dead rows racing another router's (FenceLeaseIT). Not through the
            // startup parameter `options`, which a database.url may set for its own ends and which
            // PgBouncer refuses unless told to ignore it.
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        return c;
    }

    /**
     * A failure on a dedicated connection as {@link Transactions} reports its own: {@link
     * DatabaseUnavailableException} when the database cannot be reached, else {@link
     * DatabaseException}.
     */
    public static DatabaseException failure(String what, SQLException e) {
        return SqlErrors.translate(what, e);
    }
}
