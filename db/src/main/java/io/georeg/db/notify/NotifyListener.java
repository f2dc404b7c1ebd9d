package io.georeg.db.notify;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.DedicatedConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code LISTEN <channel>} connection of a process that keeps an in-memory view of database
 * facts exact (registry-read's metadata cache, the router's write fences): a plain JDBC
 * connection outside the pool (a pooled one could be validated, recycled or handed to someone
 * else), on one daemon thread, reconnecting after {@code reconnectDelay}. The {@link Subscriber}
 * learns when the connection is up (right after {@code LISTEN}: anything it knew before may have
 * missed notifications), each payload, and when it is down (its view must be bypassed until it is
 * up again). A silent connection is pinged every two seconds so a dead one is noticed.
 */
public final class NotifyListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyListener.class);
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** How long one wait for notifications blocks; also how soon {@link #close()} is noticed. */
    private static final int POLL_MILLIS = 250;
    /** An idle connection is checked with a query this often, so a dead one is noticed. */
    private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Told about the connection and its notifications, always on the listener's thread. */
    public interface Subscriber {
        /** {@code LISTEN} has just run: everything known before may have missed changes. */
        void connected();

        /** One notification's payload. */
        void notified(String payload);

        /** The connection is lost (or the listener stops): nothing may be trusted until {@link #connected()}. */
        void disconnected();
    }

    private final DatabaseConfig database;
    private final String channel;
    private final String applicationName;
    private final Duration reconnectDelay;
    private final Subscriber subscriber;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param channel         the notification channel (a plain lower-case identifier)
     * @param applicationName shown in {@code pg_stat_activity}, so the connection can be found
     */
    public NotifyListener(
            DatabaseConfig database,
            String channel,
            String applicationName,
            Duration reconnectDelay,
            Subscriber subscriber) {
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("not a plain channel name: " + channel);
        }
        this.database = Objects.requireNonNull(database, "database");
        this.channel = channel;
        this.applicationName = applicationName;
        this.reconnectDelay = reconnectDelay;
        this.subscriber = subscriber;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the listener of " + channel + " is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("georeg-listen-" + channel).start(this::run);
    }

    private void run() {
        boolean reported = false;
        while (running) {
            try (Connection c = connect()) {
                listen(c);
                if (reported) {
                    LOG.info("listener of {} reconnected", channel);
                }
                reported = false;
            } catch (SQLException | RuntimeException e) {
                subscriber.disconnected();
                if (running && !reported) {
                    LOG.warn(
                            "listener of {} lost its database connection; its in-memory view is bypassed until it is back: {}",
                            channel,
                            e.toString());
                    reported = true;
                }
            }
            subscriber.disconnected();
            awaitReconnect();
        }
    }

    private Connection connect() throws SQLException {
        return DedicatedConnection.open(database, applicationName);
    }

    private void listen(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + channel);
            subscriber.connected();
            PGConnection pg = c.unwrap(PGConnection.class);
            long lastHeard = System.nanoTime();
            while (running) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null && notifications.length > 0) {
                    for (PGNotification n : notifications) {
                        subscriber.notified(n.getParameter());
                    }
                    lastHeard = System.nanoTime();
                } else if (System.nanoTime() - lastHeard > PING_NANOS) {
                    s.execute("SELECT 1");
                    lastHeard = System.nanoTime();
                }
            }
        }
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
        subscriber.disconnected();
    }
}
