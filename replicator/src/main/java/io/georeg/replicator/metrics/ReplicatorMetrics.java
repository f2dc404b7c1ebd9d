package io.georeg.replicator.metrics;

import io.georeg.oci.NamespaceOwners;
import io.georeg.ops.MetricBuilders;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.binding.PrimaryBindingObserver;
import io.georeg.replicator.copy.CopyObserver;
import io.georeg.replicator.intake.IntakeObserver;
import io.georeg.replicator.intake.IntakeOutcome;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkObserver;
import io.georeg.replicator.queue.WorkOperation;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.reconcile.ReconcileObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicator's Prometheus metrics (client 1.x), fed by the intake, the scheduler and the
 * copiers through their observer interfaces. Queue depth by state and the oldest unfinished
 * request's age are read from the queue table at scrape time, so every replicator process reports
 * the shared queue, and the numbers survive restarts. Registered once per process on the
 * registry the app exposes at {@code /metrics} (the ops module's {@code OperationsHandler}).
 *
 * <p>A secondary of several primaries labels what is per primary with {@code primary}, the owner
 * of the item's repository (or of the intake that answered): the lag, the items applied and
 * failed, the intake's requests and events, and the queue gauges, so that each primary's lag and
 * recovery point are seen and alerted on apart. With a single primary these metrics keep the
 * labels they always had (no {@code primary}), so dashboards and rules written for them still
 * match.
 */
public final class ReplicatorMetrics implements WorkObserver, CopyObserver, ReconcileObserver, PrimaryBindingObserver {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatorMetrics.class);

    /** The {@code primary} label of queue rows whose repository no primary owns (not a valid primary name). */
    public static final String NO_PRIMARY = "(none)";

    private final NamespaceOwners owners;
    private final boolean perPrimary;
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
    /** This process's own last binding check (not the shared queue's): 1 while it differs. */
    private volatile int bindingMismatch;

    /** The metrics of a replicator of one primary. */
    public ReplicatorMetrics(PrometheusRegistry registry, WorkQueue queue) {
        this(registry, queue, NamespaceOwners.single(PrimarySource.SINGLE));
    }

    /**
     * @param owners which primary owns a repository; with more than one owner the per-primary
     *     metrics carry the {@code primary} label
     */
    public ReplicatorMetrics(PrometheusRegistry registry, WorkQueue queue, NamespaceOwners owners) {
        this.owners = owners;
        this.perPrimary = owners.owners().size() > 1;
        lag = MetricBuilders.histogram()
                .name("georeg_replication_lag_seconds")
                .help("Time from the primary's event (or the crawl that found it) to the change applied on the replica")
                .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
                .labelNames(labelNames())
                .register(registry);
        // Each primary's lag at 0 from the start, as the intake's outcomes: the first items applied
        // after a start (the backlog of an outage, with its lag) are then an increase, not the series' birth.
        for (String owner : owners.owners()) {
            lag.labelValues(labelValues(owner));
        }
        applied = MetricBuilders.counter()
                .name("georeg_replication_items_applied_total")
                .help("Work items applied to the replica")
                .labelNames(labelNames("operation"))
                .register(registry);
        failures = MetricBuilders.counter()
                .name("georeg_replication_failures_total")
                .help("Failed work item attempts by reason; final=true when the item is failed for good")
                .labelNames(labelNames("reason", "final"))
                .register(registry);
        // Every reason, final or not, and every operation at 0 from the start, for each primary: the
        // failures alert is an increase(), which does not see a series' first sample, so the first
        // failures of a reason after a restart were missed (a burst of 5 seen as 4, one as none).
        for (String owner : owners.owners()) {
            for (FailureReason reason : FailureReason.values()) {
                registerFailures(owner, reason);
            }
            for (WorkOperation operation : WorkOperation.values()) {
                applied.labelValues(labelValues(owner, operation.column()));
            }
        }
        if (perPrimary) {
            // The items of a repository no primary owns fail with this one reason, before anything else.
            registerFailures(NO_PRIMARY, FailureReason.NO_OWNER);
        }
        intakeRequests = MetricBuilders.counter()
                .name("georeg_replication_intake_requests_total")
                .help("Notification requests by outcome (accepted, duplicate, unauthorized, malformed, too_large, ...)")
                .labelNames(labelNames("outcome"))
                .register(registry);
        intakeEvents = MetricBuilders.counter()
                .name("georeg_replication_intake_events_total")
                .help("Notification events recorded from accepted requests (a partly malformed one's readable events)")
                .labelNames(labelNames())
                .register(registry);
        blobsCopied = MetricBuilders.counter()
                .name("georeg_replication_blobs_copied_total")
                .help("Blobs copied from the primary")
                .register(registry);
        bytesCopied = MetricBuilders.counter()
                .name("georeg_replication_bytes_copied_total")
                .help("Blob bytes copied from the primary")
                .register(registry);
        dedupHits = MetricBuilders.counter()
                .name("georeg_replication_blob_dedup_total")
                .help("Blobs already stored for another repository, linked instead of copied")
                .register(registry);
        manifestsCopied = MetricBuilders.counter()
                .name("georeg_replication_manifests_copied_total")
                .help("Manifests and indexes copied from the primary")
                .register(registry);
        deletes = MetricBuilders.counter()
                .name("georeg_replication_deletes_total")
                .help("Tag and digest deletes propagated to the replica")
                .register(registry);
        unknownActions = MetricBuilders.counter()
                .name("georeg_replication_intake_unknown_actions_total")
                .help("Notification events with an action the replicator does not know, recorded and skipped")
                .labelNames("action")
                .register(registry);
        listingsRefused = MetricBuilders.counter()
                .name("georeg_replication_reconcile_listing_refused_total")
                .help(
                        "Reconcile listings (catalog or namespace) the primary refused to the replicator's account (401/403)")
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_replication_primary_binding_mismatch")
                .help("1 while the tracking database replicates other primaries than this replicator is configured"
                        + " for (it claims no work, refuses notifications and is unready), else 0")
                .callback(cb -> cb.call(bindingMismatch))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_replication_queue_items")
                .help("Work items in the shared queue by state")
                .labelNames(labelNames("state"))
                .callback(cb -> {
                    try {
                        depths(queue)
                                .forEach((primary, depth) -> depth.byState()
                                        .forEach((state, n) -> cb.call(n, labelValues(primary, state.column()))));
                    } catch (RuntimeException e) {
                        LOG.debug("queue depth unavailable for this scrape", e);
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_replication_oldest_pending_seconds")
                .help("Age of the oldest request not applied yet (0 when the queue is drained)")
                .labelNames(labelNames())
                .callback(cb -> {
                    try {
                        Instant now = Instant.now();
                        depths(queue)
                                .forEach((primary, depth) -> cb.call(
                                        depth.oldestPending()
                                                .map(t -> Math.max(
                                                        0,
                                                        Duration.between(t, now).toMillis() / 1000.0))
                                                .orElse(0.0),
                                        labelValues(primary)));
                    } catch (RuntimeException e) {
                        LOG.debug("oldest pending age unavailable for this scrape", e);
                    }
                })
                .register(registry);
    }

    /** What the intake of {@code primary} reports (the {@code primary} label with several primaries). */
    public IntakeObserver intakeOf(String primary) {
        // At 0 from the start: an outcome first seen at 1 is no increase to the rejected-notifications
        // alert, and a request answered 200 with events refused is never sent again.
        for (IntakeOutcome outcome : IntakeOutcome.values()) {
            intakeRequests.labelValues(labelValues(primary, outcome.label()));
        }
        intakeEvents.labelValues(labelValues(primary));
        return new IntakeObserver() {
            @Override
            public void requestHandled(IntakeOutcome outcome, int events) {
                intakeRequests
                        .labelValues(labelValues(primary, outcome.label()))
                        .inc();
                if (outcome.recordedEvents()) {
                    intakeEvents.labelValues(labelValues(primary)).inc(events);
                }
            }

            @Override
            public void unknownAction(String action) {
                unknownActions.labelValues(action).inc();
            }
        };
    }

    @Override
    public void listingRefused() {
        listingsRefused.inc();
    }

    @Override
    public void applied(WorkItem item, Duration lagTime) {
        String primary = primaryOf(item);
        applied.labelValues(labelValues(primary, item.operation().column())).inc();
        lag.labelValues(labelValues(primary)).observe(Math.max(0, lagTime.toNanos() / 1e9));
    }

    @Override
    public void attemptFailed(WorkItem item, FailureReason reason, WorkState newState) {
        failures.labelValues(labelValues(primaryOf(item), reason.label(), String.valueOf(newState == WorkState.FAILED)))
                .inc();
    }

    private void registerFailures(String primary, FailureReason reason) {
        for (boolean last : new boolean[] {false, true}) {
            failures.labelValues(labelValues(primary, reason.label(), String.valueOf(last)));
        }
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

    /** The queue's depth per primary, or of the whole queue under the one primary. */
    private Map<String, WorkQueue.Depth> depths(WorkQueue queue) {
        return perPrimary
                ? queue.depthByOwner(owners, NO_PRIMARY)
                : Map.of(owners.owners().get(0), queue.depth());
    }

    private String primaryOf(WorkItem item) {
        return owners.ownerOf(item.repository().value()).orElse(NO_PRIMARY);
    }

    /** {@code names}, then {@code primary} when the metrics are per primary. */
    private String[] labelNames(String... names) {
        return perPrimary ? append(names, "primary") : names;
    }

    /** {@code values}, then {@code primary}'s name when the metrics are per primary. */
    private String[] labelValues(String primary, String... values) {
        return perPrimary ? append(values, primary) : values;
    }

    private static String[] append(String[] values, String last) {
        String[] out = Arrays.copyOf(values, values.length + 1);
        out[values.length] = last;
        return out;
    }

    @Override
    public void bindingChecked(boolean matches) {
        bindingMismatch = matches ? 0 : 1;
    }
}
