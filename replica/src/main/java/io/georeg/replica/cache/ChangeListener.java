package io.georeg.replica.cache;

import io.georeg.db.DatabaseConfig;
import io.georeg.oci.RepositoryName;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@code LISTEN georeg_replica_changes} connection of a reader process (a plain JDBC
 * connection outside the pool: a pooled one could be validated, recycled or handed to someone
 * else). Notifications come from the triggers of migration {@code V5__replica_change_notifications}
 * and move {@link Freshness}'s generations; connecting flushes everything cached before, losing the
 * connection makes the cache bypassed until it is back. Started and stopped by
 * {@link CachingReplicaReader}; runs on one daemon thread.
 */
final class ChangeListener implements AutoCloseable {
    static final String CHANNEL = "georeg_replica_changes";
    static final String APPLICATION_NAME = "georeg-replica-listener";
    private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);
    /** How long one wait for notifications blocks; also how soon {@link #close()} is noticed. */
    private static final int POLL_MILLIS = 250;
    /** An idle connection is checked with a query this often, so a dead one is noticed. */
    private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final DatabaseConfig database;
    private final Duration reconnectDelay;
    private final Freshness freshness;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();
    private volatile boolean running;
    private Thread thread;

    ChangeListener(DatabaseConfig database, Duration reconnectDelay, Freshness freshness) {
        this.database = database;
        this.reconnectDelay = reconnectDelay;
        this.freshness = freshness;
    }

    synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the change listener is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("georeg-replica-changes").start(this::run);
    }

    private void run() {
        boolean reported = false;
        while (running) {
            try (Connection c = connect()) {
                listen(c);
                if (reported) {
                    LOG.info("replica change listener reconnected: metadata cache in use again");
                }
                reported = false;
            } catch (SQLException | RuntimeException e) {
                freshness.listenerDisconnected();
                if (running && !reported) {
                    LOG.warn("replica change listener lost its database connection; metadata cache bypassed until it is back: {}",
                            e.toString());
                    reported = true;
                }
            }
            freshness.listenerDisconnected();
            awaitReconnect();
        }
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        if (database.user() != null) {
            p.setProperty("user", database.user());
        }
        if (database.password() != null) {
            p.setProperty("password", database.password());
        }
        p.setProperty("ApplicationName", APPLICATION_NAME);
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectTimeout", Long.toString(Math.max(1, database.connectionTimeout().toSeconds())));
        // A half-open connection fails the ping instead of blocking for ever.
        p.setProperty("socketTimeout", "10");
        Connection c = DriverManager.getConnection(database.url(), p);
        c.setAutoCommit(true);
        return c;
    }

    private void listen(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
            freshness.listenerConnected();
            PGConnection pg = c.unwrap(PGConnection.class);
            long lastHeard = System.nanoTime();
            while (running) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null && notifications.length > 0) {
                    for (PGNotification n : notifications) {
                        apply(n.getParameter());
                    }
                    lastHeard = System.nanoTime();
                } else if (System.nanoTime() - lastHeard > PING_NANOS) {
                    s.execute("SELECT 1");
                    lastHeard = System.nanoTime();
                }
            }
        }
    }

    /** Applies one notification key (see the migration for their forms); anything unknown flushes everything. */
    void apply(String key) {
        if (key.startsWith("repository:")) {
            String name = key.substring("repository:".length());
            try {
                freshness.repositoryChanged(RepositoryName.of(name));
                return;
            } catch (RuntimeException e) {
                LOG.debug("change notification names no valid repository ({}): flushing everything", name, e);
            }
        } else if (key.startsWith("blob:")) {
            freshness.blobChanged();
            return;
        }
        freshness.anythingChanged();
    }

    private void awaitReconnect() {
        lock.lock();
        try {
            long left = reconnectDelay.toNanos();
            while (running && left > 0) {
                left = stopped.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t == null) {
            return;
        }
        running = false;
        lock.lock();
        try {
            stopped.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        freshness.listenerDisconnected();
    }
}
