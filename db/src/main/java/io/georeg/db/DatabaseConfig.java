package io.georeg.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the tracking database connection pool, under the {@code database.*} keys of the
 * configuration. Built by the app's configuration loader and by tests; {@link #validate()} is
 * called by {@link Database#start()} and names the key and the fix of every problem.
 *
 * @param url JDBC URL, {@code jdbc:postgresql://host:port/db}
 * @param maxPoolSize connections in the pool at most
 * @param minIdle idle connections the pool keeps open (HikariCP's {@code minimumIdle}; at most
 *     {@code maxPoolSize}, a larger value counts as it, and so by default the pool is fixed): under
 *     {@code maxPoolSize}, the pool opens more when callers wait for one, up to {@code maxPoolSize},
 *     and closes those idle for HikariCP's ten minutes again
 * @param connectionTimeout how long a caller waits for a pooled connection before the database
 *     counts as unavailable
 * @param migrateOnStart apply pending Flyway migrations when the pool starts
 * @param maxTransactionAttempts attempts of a transaction that fails with a serialization
 *     failure or deadlock, including the first
 */
public record DatabaseConfig(
        String url,
        String user,
        String password,
        int maxPoolSize,
        int minIdle,
        Duration connectionTimeout,
        boolean migrateOnStart,
        int maxTransactionAttempts) {

    public static final int DEFAULT_MAX_POOL_SIZE = 16;
    /**
     * {@link #DEFAULT_MAX_POOL_SIZE}: a fixed pool, opened before the first caller needs it. Two
     * was measured against it (scripts/bench-replication initial, interleaved A/B, 2026-12-07, a
     * loaded machine): the replicator's 16 workers have 2–4 connections busy on average but bursts
     * of 10–16, and a pool that opens connections only while callers wait for them opens them one
     * at a time: callers waited in 3–17% of the samples (up to 46 at once), 9–14 backends were
     * opened anyway, the database's CPU went down by a tenth at most and replication took longer
     * (median 0.44× skopeo's time against 0.34×). Operators short of connections lower it,
     * knowing that trade.
     */
    public static final int DEFAULT_MIN_IDLE = DEFAULT_MAX_POOL_SIZE;

    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_TRANSACTION_ATTEMPTS = 5;

    /** A configuration with the defaults for everything but where the database is. */
    public static DatabaseConfig of(String url, String user, String password) {
        return new DatabaseConfig(
                url,
                user,
                password,
                DEFAULT_MAX_POOL_SIZE,
                DEFAULT_MIN_IDLE,
                DEFAULT_CONNECTION_TIMEOUT,
                false,
                DEFAULT_MAX_TRANSACTION_ATTEMPTS);
    }

    public DatabaseConfig withMigrateOnStart(boolean migrate) {
        return new DatabaseConfig(
                url, user, password, maxPoolSize, minIdle, connectionTimeout, migrate, maxTransactionAttempts);
    }

    public DatabaseConfig withMaxPoolSize(int size) {
        return new DatabaseConfig(
                url, user, password, size, minIdle, connectionTimeout, migrateOnStart, maxTransactionAttempts);
    }

    public DatabaseConfig withMinIdle(int idle) {
        return new DatabaseConfig(
                url, user, password, maxPoolSize, idle, connectionTimeout, migrateOnStart, maxTransactionAttempts);
    }

    public DatabaseConfig withConnectionTimeout(Duration timeout) {
        return new DatabaseConfig(
                url, user, password, maxPoolSize, minIdle, timeout, migrateOnStart, maxTransactionAttempts);
    }

    /** Returns this configuration, or throws listing every invalid key with its fix. */
    public DatabaseConfig validate() {
        List<String> problems = new ArrayList<>();
        if (url == null || !url.startsWith("jdbc:postgresql://")) {
            problems.add("database.url must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://127.0.0.1:5432/georeg (got " + url + ")");
        }
        if (maxPoolSize < 1 || maxPoolSize > 1000) {
            problems.add("database.maxPoolSize must be between 1 and 1000 (got " + maxPoolSize + ")");
        }
        if (minIdle < 0 || minIdle > 1000) {
            problems.add(
                    "database.minIdle must be between 0 and 1000, e.g. " + DEFAULT_MIN_IDLE + " (got " + minIdle + ")");
        }
        // Hikari refuses a timeout under 250 ms.
        if (connectionTimeout == null || connectionTimeout.toMillis() < 250) {
            problems.add("database.connectionTimeout must be at least 250ms (got " + connectionTimeout + ")");
        }
        if (maxTransactionAttempts < 1 || maxTransactionAttempts > 100) {
            problems.add(
                    "database.maxTransactionAttempts must be between 1 and 100 (got " + maxTransactionAttempts + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid database configuration: " + String.join("; ", problems));
        }
        return this;
    }

    /**
     * The database as messages name it to an operator: the JDBC URL without its parameters (which
     * may carry a password) and the user, e.g. {@code jdbc:postgresql://db:5432/georeg (user georeg)}.
     */
    public String displayName() {
        int query = url == null ? -1 : url.indexOf('?');
        return (query < 0 ? url : url.substring(0, query)) + " (user " + user + ")";
    }

    @Override
    public String toString() {
        // Never print the password (configuration dumps, logs).
        return "DatabaseConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? "null" : "****")
                + ", maxPoolSize=" + maxPoolSize + ", minIdle=" + minIdle + ", connectionTimeout=" + connectionTimeout
                + ", migrateOnStart=" + migrateOnStart + ", maxTransactionAttempts=" + maxTransactionAttempts + "]";
    }
}
