package io.georeg.replicator.metrics;

import io.georeg.replicator.copy.CopyObserver;
import io.georeg.replicator.intake.IntakeObserver;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkObserver;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.reconcile.ReconcileObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicator's Prometheus metrics (client 1.x), fed by the intake, the scheduler and the
 * copiers through their observer interfaces. Queue depth by state and the oldest unfinished
 * request's age are read from the queue table at scrape time, so every replicator process reports
 * the shared queue, and the numbers survive restarts. Registered once per process on the
 * registry the app exposes at {@code /metrics} (the ops module's {@code OperationsHandler}).
 */
public final class ReplicatorMetrics implements IntakeObserver, WorkObserver, CopyObserver, ReconcileObserver {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatorMetrics.class);

    private final Histogram lag;
    private final Counter applied;
    private final Counter failures;
    private final Counter intakeRequests;
    private final Counter intakeEvents;
    private final Counter blobsCopied;
    private final Counter bytesCopied;
    private final Counter dedupHits;
    private final Counter manifestsCopied;
    private final Counter deletes;
    private final Counter unknownActions;
    private final Counter listingsRefused;

    public ReplicatorMetrics(PrometheusRegistry registry, WorkQueue queue) {
        lag = Histogram.builder()
                .name("georeg_replication_lag_seconds")
                .help("Time from the primary's event (or the crawl that found it) to the change applied on the replica")
                .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
                .register(registry);
        applied = Counter.builder()
                .name("georeg_replication_items_applied_total")
                .help("Work items applied to the replica")
                .labelNames("operation")
                .register(registry);
        failures = Counter.builder()
                .name("georeg_replication_failures_total")
                .help("Failed work item attempts by reason; final=true when the item is failed for good")
                .labelNames("reason", "final")
                .register(registry);
        intakeRequests = Counter.builder()
                .name("georeg_replication_intake_requests_total")
                .help("Notification requests by outcome (accepted, duplicate, unauthorized, malformed, too_large, ...)")
                .labelNames("outcome")
                .register(registry);
        intakeEvents = Counter.builder()
                .name("georeg_replication_intake_events_total")
                .help("Notification events in accepted requests")
                .register(registry);
        blobsCopied = Counter.builder()
                .name("georeg_replication_blobs_copied_total")
                .help("Blobs copied from the primary")
                .register(registry);
        bytesCopied = Counter.builder()
                .name("georeg_replication_bytes_copied_total")
                .help("Blob bytes copied from the primary")
                .register(registry);
        dedupHits = Counter.builder()
                .name("georeg_replication_blob_dedup_total")
                .help("Blobs already stored for another repository, linked instead of copied")
                .register(registry);
        manifestsCopied = Counter.builder()
                .name("georeg_replication_manifests_copied_total")
                .help("Manifests and indexes copied from the primary")
                .register(registry);
        deletes = Counter.builder()
                .name("georeg_replication_deletes_total")
                .help("Tag and digest deletes propagated to the replica")
                .register(registry);
        unknownActions = Counter.builder()
                .name("georeg_replication_intake_unknown_actions_total")
                .help("Notification events with an action the replicator does not know, recorded and skipped")
                .labelNames("action")
                .register(registry);
        listingsRefused = Counter.builder()
                .name("georeg_replication_reconcile_listing_refused_total")
                .help(
                        "Reconcile listings (catalog or namespace) the primary refused to the replicator's account (401/403)")
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_replication_queue_items")
                .help("Work items in the shared queue by state")
                .labelNames("state")
                .callback(cb -> {
                    try {
                        queue.depth().byState().forEach((state, n) -> cb.call(n, state.column()));
                    } catch (RuntimeException e) {
                        LOG.debug("queue depth unavailable for this scrape", e);
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_replication_oldest_pending_seconds")
                .help("Age of the oldest request not applied yet (0 when the queue is drained)")
                .callback(cb -> {
                    try {
                        cb.call(queue.depth()
                                .oldestPending()
                                .map(t -> Math.max(
                                        0, Duration.between(t, Instant.now()).toMillis() / 1000.0))
                                .orElse(0.0));
                    } catch (RuntimeException e) {
                        LOG.debug("oldest pending age unavailable for this scrape", e);
                    }
                })
                .register(registry);
    }

    @Override
    public void requestHandled(String outcome, int events) {
        intakeRequests.labelValues(outcome).inc();
        if ("accepted".equals(outcome)) {
            intakeEvents.inc(events);
        }
    }

    @Override
    public void unknownAction(String action) {
        unknownActions.labelValues(action).inc();
    }

    @Override
    public void listingRefused() {
        listingsRefused.inc();
    }

    @Override
    public void applied(WorkItem item, Duration lagTime) {
        applied.labelValues(item.operation().column()).inc();
        lag.observe(Math.max(0, lagTime.toNanos() / 1e9));
    }

    @Override
    public void attemptFailed(WorkItem item, String reasonCode, WorkState newState) {
        failures.labelValues(reasonCode, String.valueOf(newState == WorkState.FAILED))
                .inc();
    }

    @Override
    public void blobCopied(long bytes) {
        blobsCopied.inc();
        bytesCopied.inc(bytes);
    }

    @Override
    public void blobDeduplicated() {
        dedupHits.inc();
    }

    @Override
    public void manifestCopied() {
        manifestsCopied.inc();
    }

    @Override
    public void deletePropagated() {
        deletes.inc();
    }
}
