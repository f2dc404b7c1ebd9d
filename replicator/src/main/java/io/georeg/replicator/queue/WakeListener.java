package io.georeg.replicator.queue;

import io.georeg.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that LISTENs on {@link WorkQueue#WAKE_CHANNEL} and wakes the scheduler
 * when any replicator's intake (or reconcile, or {@code georeg retry}) queues work, so an event
 * is picked up within milliseconds instead of at the next poll. Polling stays as the safety net:
 * a lost connection only delays work until the next poll, and the listener reconnects.
 * Started and stopped by {@link WorkScheduler}.
 */
final class WakeListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WakeListener.class);
    private static final int RECEIVE_TIMEOUT_MS = 250;
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    private final Database database;
    private final WakeSignal wake;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private Thread thread;

    WakeListener(Database database, WakeSignal wake) {
        this.database = database;
        this.wake = wake;
    }

    synchronized void start(String name) {
        running = true;
        thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    private void run() {
        while (running) {
            try (Connection c = database.dataSource().getConnection()) {
                WorkQueue.listen(c);
                PGConnection pg = c.unwrap(PGConnection.class);
                wake.signal(); // anything queued while we were not listening
                while (running) {
                    PGNotification[] notes = pg.getNotifications(RECEIVE_TIMEOUT_MS);
                    if (notes != null && notes.length > 0) {
                        wake.signal();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn(
                        "replication wake-up listener lost its database connection, polling meanwhile: {}",
                        e.toString());
                try {
                    if (stopped.await(RECONNECT_DELAY.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        stopped.countDown();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }
}
