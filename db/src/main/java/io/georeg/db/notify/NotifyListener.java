package io.georeg.db.notify;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.DedicatedConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
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
 *
 * <p>With a {@code heartbeat}, the listener also proves how far it has caught up: every
 * {@code heartbeat} it sends a notification to a channel of its own ({@code <channel>_hb_<random>},
 * which no other process listens to) carrying the {@link System#nanoTime()} read just before the
 * send, and tells the {@link Subscriber#caughtUp(long)} that time when it comes back. PostgreSQL
 * queues notifications of all channels in one queue, in commit order, and this listener hands them
 * on in that order: so when a heartbeat sent at {@code t} comes back, every notification of a
 * transaction committed before {@code t} has been handed to the subscriber already.
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

        /**
         * Every notification of a transaction committed before {@code sentNanos} (a
         * {@link System#nanoTime()} of this process) has been handed to {@link #notified(String)}.
         * Only with a heartbeat.
         */
        default void caughtUp(long sentNanos) {}
    }

    private final DatabaseConfig database;
    private final String channel;
    private final String applicationName;
    private final Duration reconnectDelay;
    private final Subscriber subscriber;
    /** Nanoseconds between heartbeats, 0 for none. */
    private final long heartbeatNanos;

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
        this(database, channel, applicationName, reconnectDelay, Duration.ZERO, subscriber);
    }

    /**
     * @param heartbeat how often to prove how far the listener has caught up ({@link
     *     Subscriber#caughtUp(long)}); zero for never
     */
    public NotifyListener(
            DatabaseConfig database,
            String channel,
            String applicationName,
            Duration reconnectDelay,
            Duration heartbeat,
            Subscriber subscriber) {
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("not a plain channel name: " + channel);
        }
        this.database = Objects.requireNonNull(database, "database");
        this.channel = channel;
        this.applicationName = applicationName;
        this.reconnectDelay = reconnectDelay;
        this.subscriber = subscriber;
        if (heartbeat.isNegative() || (!heartbeat.isZero() && heartbeat.toMillis() < 1)) {
            throw new IllegalArgumentException("heartbeat must be zero or at least 1ms (got " + heartbeat + ")");
        }
        this.heartbeatNanos = heartbeat.toNanos();
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
        // A fresh channel per connection: a heartbeat of an earlier connection can never come back on this one.
        String beats = heartbeatNanos == 0
                ? null
                : channel + "_hb_"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + channel);
            if (beats != null) {
                s.execute("LISTEN " + beats);
            }
            subscriber.connected();
            PGConnection pg = c.unwrap(PGConnection.class);
            long lastHeard = System.nanoTime();
            long lastBeat = lastHeard - heartbeatNanos;
            while (running) {
                int wait = POLL_MILLIS;
                if (beats != null) {
                    long now = System.nanoTime();
                    if (now - lastBeat >= heartbeatNanos) {
                        s.execute("SELECT pg_notify('" + beats + "', '" + now + "')");
                        lastBeat = now;
                        lastHeard = now;
                    }
                    long untilBeat = heartbeatNanos - (System.nanoTime() - lastBeat);
                    wait = (int) Math.max(1, Math.min(POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(untilBeat)));
                }
                PGNotification[] notifications = pg.getNotifications(wait);
                if (notifications != null && notifications.length > 0) {
                    for (PGNotification n : notifications) {
                        if (beats != null && beats.equals(n.getName())) {
                            subscriber.caughtUp(Long.parseLong(n.getParameter()));
                        } else {
                            subscriber.notified(n.getParameter());
                        }
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
