package io.georeg.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * Classifies JDBC failures by SQLState (PostgreSQL appendix A, "Error Codes"): retryable
 * transaction conflicts, an unavailable database, everything else. Used by {@link Transactions}.
 */
final class SqlErrors {
    static final String SERIALIZATION_FAILURE = "40001";
    static final String DEADLOCK_DETECTED = "40P01";
    /** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

    /**
     * invalid_authorization_specification and invalid_password (class 28: a wrong role or password,
     * no pg_hba.conf entry), invalid_catalog_name (the database does not exist), insufficient_privilege
     * (no CONNECT right).
     */
    private static final Set<String> REFUSED_FOR_GOOD_STATES = Set.of("3D000", "42501");

    private SqlErrors() {}

    /** A connection refused for a reason no retry mends: the configuration or the server's grants must change. */
    static boolean isRefusedForGood(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("28") || REFUSED_FOR_GOOD_STATES.contains(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean isRetryable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean isUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            // Hikari's "Connection is not available, request timed out" when the pool cannot connect.
            if (c instanceof SQLTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Wraps a JDBC failure in the exception type its class calls for. */
    static DatabaseException translate(String what, SQLException e) {
        if (isUnavailable(e)) {
            return new DatabaseUnavailableException("database unavailable during " + what + ": " + e.getMessage(), e);
        }
        return new DatabaseException(what + " failed: " + e.getMessage(), e);
    }
}
