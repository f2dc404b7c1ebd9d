package io.georeg.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PreferQueryMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way georeg runs SQL: {@link #inTransaction} for writes (and consistent multi-statement
 * reads), {@link #read} for single-statement reads on an auto-commit connection (no BEGIN/COMMIT
 * round trips on registry-read's hot path), {@link #autoCommit} for a writing statement and
 * {@link #atomically} for a multi-statement whose statements stand or fall together.
 *
 * <p>A serialization failure (40001) or deadlock (40P01) rolls back and reruns the whole unit of
 * work, at most {@code maxAttempts} times in all, so work must be safe to rerun (touch only the
 * database, or be idempotent). Every other failure is rethrown after the rollback: runtime
 * exceptions of the work as they are, JDBC errors as {@link DatabaseUnavailableException} when
 * the database cannot be reached and {@link DatabaseException} otherwise. A rollback that fails
 * too is attached as a suppressed exception, never dropped.
 */
public final class Transactions {
    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);

    /** A unit of work on a connection; the helper owns commit, rollback and close. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** Transaction isolation levels (PostgreSQL has no dirty reads, so no READ UNCOMMITTED). */
    public enum Isolation {
        READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
        REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
        SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

        private final int jdbcLevel;

        Isolation(int jdbcLevel) {
            this.jdbcLevel = jdbcLevel;
        }
    }

    private final DataSource dataSource;
    private final int maxAttempts;
    /**
     * Whether the driver runs a multi-statement sent on an auto-commit connection as one implicit
     * transaction; null until {@link #atomically} first asks (a connection's setting, the same for
     * every connection of the pool, which all come from one URL).
     */
    private volatile Boolean multiStatementAtomic;

    public Transactions(DataSource dataSource, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.dataSource = dataSource;
        this.maxAttempts = maxAttempts;
    }

    /** Runs {@code work} in a READ COMMITTED transaction (the pool's default level, see {@link Database#start}). */
    public <T> T inTransaction(Work<T> work) {
        return inTransaction(Isolation.READ_COMMITTED, work);
    }

    /** Runs {@code work} in a transaction of the given isolation, retrying conflicts. */
    public <T> T inTransaction(Isolation isolation, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return attemptTransaction(isolation, work);
            } catch (SQLException | RuntimeException e) {
                if (attempt < maxAttempts && SqlErrors.isRetryable(e)) {
                    LOG.debug("transaction conflict ({}), attempt {} of {}", e.getMessage(), attempt, maxAttempts);
                    backOff(attempt);
                    continue;
                }
                throw rethrowable("transaction", e);
            }
        }
    }

    /**
     * Runs {@code work} on an auto-commit connection: each statement sees its own snapshot. Meant
     * for reads that are one statement; conflicts (rare outside transactions) are retried too.
     */
    public <T> T read(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.apply(c);
            } catch (SQLException | RuntimeException e) {
                if (attempt < maxAttempts && SqlErrors.isRetryable(e)) {
                    backOff(attempt);
                    continue;
                }
                throw rethrowable("read", e);
            }
        }
    }

    /**
     * Runs {@code work} that is one writing statement on an auto-commit connection: the statement
     * is its own transaction (atomic, one round trip, no BEGIN/COMMIT). Conflicts are retried like
     * {@link #read}, so the statement must be safe to rerun.
     */
    public <T> T autoCommit(Work<T> work) {
        return read(work);
    }

    /**
     * Runs {@code work}, one multi-statement (several statements in one {@code PreparedStatement}),
     * so that its statements take effect together or not at all, and a failing one stops those
     * after it. With pgjdbc's extended protocol (its default) the statements go with one Sync and
     * PostgreSQL runs them as one implicit transaction: then on an auto-commit connection, in one
     * round trip with no BEGIN and no COMMIT, like {@link #autoCommit}. In pgjdbc's simple query
     * mode ({@code preferQueryMode=simple} in the database URL) each statement goes as a query of
     * its own, each its own transaction on an auto-commit connection: then in a transaction like
     * {@link #inTransaction} (two round trips more). A failure (including one a statement raises
     * on purpose) is rethrown as the other methods rethrow it, after the whole was undone;
     * conflicts are retried, so the statements must be safe to rerun.
     */
    public <T> T atomically(Work<T> work) {
        return multiStatementAtomic() ? autoCommit(work) : inTransaction(work);
    }

    private boolean multiStatementAtomic() {
        Boolean atomic = multiStatementAtomic;
        if (atomic == null) {
            // Two first callers may both ask: the answer is the same, and asking sends no statement.
            atomic = read(Transactions::sendsMultiStatementWithOneSync);
            multiStatementAtomic = atomic;
        }
        return atomic;
    }

    /** pgjdbc in any query mode but simple; a driver it cannot tell counts as not atomic. */
    private static boolean sendsMultiStatementWithOneSync(Connection c) throws SQLException {
        return c.isWrapperFor(PGConnection.class)
                && c.unwrap(PGConnection.class).getPreferQueryMode() != PreferQueryMode.SIMPLE;
    }

    private <T> T attemptTransaction(Isolation isolation, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            // Hikari restores auto-commit and isolation when the connection goes back to the pool;
            // read committed is every pooled connection's own level (Database#start), so it costs
            // no statement here.
            c.setAutoCommit(false);
            if (isolation != Isolation.READ_COMMITTED) {
                c.setTransactionIsolation(isolation.jdbcLevel);
            }
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollback(c, e);
                throw e;
            }
        }
    }

    private static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private static RuntimeException rethrowable(String what, Exception e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        return SqlErrors.translate(what, (SQLException) e);
    }

    /** A short, jittered pause so that two conflicting transactions do not collide again at once. */
    private static void backOff(int attempt) {
        long maxMillis = Math.min(50, 5L * attempt);
        LockSupport.parkNanos(
                TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextLong(1, maxMillis + 1)));
    }
}
