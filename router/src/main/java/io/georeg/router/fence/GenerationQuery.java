package io.georeg.router.fence;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.DedicatedConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence generation query ({@link FenceStore#GENERATION}) on connections of its own, each
 * holding the statement prepared once: the query {@link LatestGeneration} runs for every round of
 * reads, so borrowing a pooled connection and preparing the statement each time cost more than
 * the one-row read itself. Connections are opened when a query finds none idle — at most as
 * many as queries ever run at once, which {@link LatestGeneration} bounds — and one that fails is
 * closed, so the next query opens a new one. Thread-safe; blocking.
 */
final class GenerationQuery implements LongSupplier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationQuery.class);
    static final String APPLICATION_NAME = "georeg-router-fence-generation";

    private final DatabaseConfig database;
    /** Connections no query is using; guarded by this. */
    private final ArrayDeque<Prepared> idle = new ArrayDeque<>();
    /** Guarded by this: once closed, a connection given back is closed instead of kept. */
    private boolean closed;

    GenerationQuery(DatabaseConfig database) {
        this.database = database;
    }

    /** The generation as of a snapshot taken when this call's statement starts. */
    @Override
    public long getAsLong() {
        Prepared prepared = null;
        try {
            prepared = borrow();
            long generation = prepared.read();
            giveBack(prepared);
            return generation;
        } catch (SQLException e) {
            if (prepared != null) {
                prepared.close();
            }
            throw DedicatedConnection.failure("fence generation query", e);
        }
    }

    private Prepared borrow() throws SQLException {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the fence generation query is closed");
            }
            Prepared prepared = idle.poll();
            if (prepared != null) {
                return prepared;
            }
        }
        return new Prepared(DedicatedConnection.open(database, APPLICATION_NAME));
    }

    private void giveBack(Prepared prepared) {
        synchronized (this) {
            if (!closed) {
                idle.push(prepared);
                return;
            }
        }
        prepared.close();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        Prepared prepared;
        while ((prepared = poll()) != null) {
            prepared.close();
        }
    }

    private synchronized Prepared poll() {
        return idle.poll();
    }

    /** One connection and its prepared generation statement. */
    private static final class Prepared {
        private final Connection connection;
        private final PreparedStatement statement;

        Prepared(Connection connection) throws SQLException {
            this.connection = connection;
            try {
                this.statement = connection.prepareStatement(FenceStore.GENERATION);
            } catch (SQLException e) {
                close(connection, e);
                throw e;
            }
        }

        long read() throws SQLException {
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        void close() {
            try {
                connection.close();
            } catch (SQLException e) {
                // A connection that failed is gone either way; nothing is left to release.
                LOG.debug("closing a fence generation connection failed", e);
            }
        }

        private static void close(Connection connection, SQLException cause) {
            try {
                connection.close();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
