package io.georeg.replicator.reconcile;

import io.georeg.oci.RepositoryName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reconcile crawl every {@code replicator.sync.reconcileInterval} (with the preheat
 * repositories always in scope): the repair pass of an event-driven site, and the whole
 * replication of a polling-mode site. One pass at a time; a failing pass is logged and the next
 * runs on schedule. Several replicator processes may each crawl: their requests coalesce in the
 * queue. Started and stopped by {@link io.georeg.replicator.Replicator}.
 */
public final class ReconcileSchedule implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileSchedule.class);

    private final Reconciler reconciler;
    private final Duration interval;
    private final List<RepositoryName> preheat;
    private ScheduledExecutorService executor;

    public ReconcileSchedule(Reconciler reconciler, Duration interval, List<RepositoryName> preheat) {
        this.reconciler = reconciler;
        this.interval = interval;
        this.preheat = List.copyOf(preheat);
    }

    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("georeg-reconcile").daemon(true).unstarted(r));
        executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            ReconcileSummary summary = reconciler.reconcileAll(preheat, ReconcileProgress.NONE);
            LOG.info("reconcile pass: {}", summary);
        } catch (RuntimeException e) {
            LOG.warn("reconcile pass failed; next one in {}", interval, e);
        }
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("reconcile pass still running after shutdown");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
