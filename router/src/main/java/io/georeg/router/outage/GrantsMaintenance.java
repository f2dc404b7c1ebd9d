package io.georeg.router.outage;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the outage grants table bounded and the grants gauge current: {@link TokenShield#maintain}
 * at start and every interval, on one daemon thread. Every router runs it; pruning is idempotent.
 * Started and closed by the router.
 */
public final class GrantsMaintenance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrantsMaintenance.class);

    private final TokenShield shield;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    public GrantsMaintenance(TokenShield shield, Duration interval) {
        this.shield = shield;
        this.interval = interval;
    }

    public synchronized GrantsMaintenance start() {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "outage-grants-maintenance");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void runOnce() {
        try {
            shield.maintain();
        } catch (RuntimeException e) {
            LOG.warn("cannot prune the outage grants (will retry in {})", interval, e);
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("outage grants maintenance did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }
}
