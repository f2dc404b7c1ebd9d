package io.georeg.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracking database: a HikariCP pool over PostgreSQL and the {@link Transactions} helper on
 * it. Created by the app's wiring (one per process) and by tests; nothing connects until
 * {@link #start()}, and {@link #close()} closes every pooled connection.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** How PostgreSQL shows georeg's sessions ({@code pg_stat_activity}), the pool's and the login probe's alike. */
    private static final String APPLICATION_NAME = "georeg";
    /** HikariCP's own default for checking an idle connection before it is handed out. */
    private static final long HIKARI_VALIDATION_TIMEOUT_MILLIS = 5_000;
    /**
     * The shortest such check: a loaded machine may take a few hundred milliseconds over an empty
     * query to a live server, and a live connection given up for that is a caller failed for nothing.
     */
    private static final long SHORTEST_VALIDATION_TIMEOUT_MILLIS = 1_000;

    private final DatabaseConfig config;
    private final MetricsTrackerFactory poolMetrics;
    private volatile HikariDataSource pool;
    private volatile Transactions transactions;

    public Database(DatabaseConfig config) {
        this(config, null);
    }

    /** @param poolMetrics where HikariCP reports the pool's metrics (the app's wiring); null for none */
    public Database(DatabaseConfig config, MetricsTrackerFactory poolMetrics) {
        this.config = config;
        this.poolMetrics = poolMetrics;
    }

    /**
     * Validates the configuration, opens the pool (failing fast when the database cannot be
     * reached within {@code connectionTimeout}) and applies pending migrations when
     * {@code migrateOnStart} is set. Returns this.
     */
    public synchronized Database start() {
        if (pool != null) {
            return this;
        }
        config.validate();
        refuseWhatNoRetryMends();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("georeg-db");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setMinimumIdle(Math.min(config.minIdle(), config.maxPoolSize()));
        hikari.setConnectionTimeout(config.connectionTimeout().toMillis());
        hikari.setInitializationFailTimeout(config.connectionTimeout().toMillis());
        // HikariCP checks a connection that sat idle before handing it out, with a timeout of its own
        // on top of the wait for one: a connection whose server went silent (packets dropped, no
        // reset) held the caller for HikariCP's 5 s whatever connectionTimeout said. Bounded by
        // connectionTimeout too (not below a second), so that callers bounded by it (the router's
        // admin switches, whose answer must come within the drill's wait) give a silent database up
        // within it.
        hikari.setValidationTimeout(Math.clamp(
                config.connectionTimeout().toMillis(),
                SHORTEST_VALIDATION_TIMEOUT_MILLIS,
                HIKARI_VALIDATION_TIMEOUT_MILLIS));
        hikari.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        // Every connection's default, whatever the server's, database's or role's
        // default_transaction_isolation: georeg's statements and transactions are written for read
        // committed (a snapshot per statement). Under repeatable read, a transaction whose first
        // statement waits for a lock (a guarded store waiting for a delete's key lock, see
        // io.georeg.replica.Tombstones) keeps the snapshot taken before the wait and misses what
        // the lock's holder committed: a store refused at read committed succeeds. Set here once per
        // connection (only when the server's default differs), it also covers the auto-commit
        // multi-statements of Transactions#atomically, which have no BEGIN to name a level in.
        hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        if (poolMetrics != null) {
            hikari.setMetricsTrackerFactory(poolMetrics);
        }
        HikariDataSource started;
        try {
            started = new HikariDataSource(hikari);
        } catch (HikariPool.PoolInitializationException e) {
            throw cannotConnect(e.getMessage(), e);
        }
        try {
            if (config.migrateOnStart()) {
                Migrations.Result result = Migrations.migrate(started);
                LOG.info("tracking schema at version {}, applied {}", result.currentVersion(), result.applied());
            }
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        pool = started;
        transactions = new Transactions(started, config.maxTransactionAttempts());
        return this;
    }

    /**
     * One direct connection before the pool opens: a refusal that no retry mends (a wrong role or
     * password, a database that does not exist, no right to connect: {@link SqlErrors#isRefusedForGood})
     * ends start() at once, where the pool retries every failure for {@code connectionTimeout}, so
     * every command and every start of a pod with such a mistake waited that long to be told.
     * Anything else (the server not reachable yet, starting up, slower than this one-second try) is
     * left to the pool and its retries, as before.
     */
    private void refuseWhatNoRetryMends() {
        Properties login = new Properties();
        if (config.user() != null) {
            login.setProperty("user", config.user());
        }
        if (config.password() != null) {
            login.setProperty("password", config.password());
        }
        login.setProperty("ApplicationName", APPLICATION_NAME);
        login.setProperty("connectTimeout", "1");
        login.setProperty("loginTimeout", "1");
        try (Connection probe = DriverManager.getConnection(config.url(), login)) {
            LOG.debug("the tracking database at {} accepts this login", config.url());
        } catch (SQLException e) {
            if (SqlErrors.isRefusedForGood(e)) {
                throw cannotConnect(e.getMessage(), e);
            }
        }
    }

    private DatabaseUnavailableException cannotConnect(String why, Exception cause) {
        return new DatabaseUnavailableException(
                "cannot connect to the tracking database at " + config.url() + ": " + why
                        + " (check database.url, database.user, database.password and that PostgreSQL is running)",
                cause);
    }

    public DataSource dataSource() {
        return requireStarted();
    }

    public Transactions transactions() {
        Transactions t = transactions;
        if (t == null) {
            throw new IllegalStateException("Database not started: call start() first");
        }
        return t;
    }

    public DatabaseConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.close();
            pool = null;
            transactions = null;
        }
    }

    private HikariDataSource requireStarted() {
        HikariDataSource p = pool;
        if (p == null) {
            throw new IllegalStateException("Database not started: call start() first");
        }
        return p;
    }
}
