package io.georeg.replica.cache;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.notify.NotifyListener;
import io.georeg.oci.RepositoryName;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code LISTEN georeg_replica_changes} subscription of a reader process, on the db module's
 * {@link NotifyListener} (one plain JDBC connection outside the pool, one daemon thread).
 * Notifications come from the triggers of migration {@code V5__replica_change_notifications}
 * and move {@link Freshness}'s generations; connecting flushes everything cached before, losing the
 * connection makes the cache bypassed until it is back, and its heartbeats tell {@link Freshness}
 * how far it has caught up. Started and stopped by
 * {@link CachingReplicaReader}.
 */
final class ChangeListener implements AutoCloseable, NotifyListener.Subscriber {
    static final String CHANNEL = "georeg_replica_changes";
    static final String APPLICATION_NAME = "georeg-replica-listener";
    private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);

    private final Freshness freshness;
    private final NotifyListener listener;

    /** @param heartbeat how often to prove to {@link Freshness} how far the listener has caught up */
    ChangeListener(DatabaseConfig database, Duration reconnectDelay, Duration heartbeat, Freshness freshness) {
        this.freshness = freshness;
        this.listener = new NotifyListener(database, CHANNEL, APPLICATION_NAME, reconnectDelay, heartbeat, this);
    }

    void start() {
        listener.start();
    }

    @Override
    public void connected() {
        freshness.listenerConnected();
    }

    @Override
    public void disconnected() {
        freshness.listenerDisconnected();
    }

    @Override
    public void caughtUp(long sentNanos) {
        freshness.caughtUp(sentNanos);
    }

    @Override
    public void notified(String payload) {
        apply(payload);
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

    @Override
    public void close() {
        listener.close();
    }
}
