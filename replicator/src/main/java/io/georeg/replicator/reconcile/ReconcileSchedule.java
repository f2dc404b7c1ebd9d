package io.georeg.replicator.reconcile;

import io.georeg.oci.RepositoryName;
import io.georeg.ops.PeriodicJob;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reconcile crawl every {@code replicator.sync.reconcileInterval} (with the preheat
 * repositories always in scope): the repair pass of an event-driven site, and the whole
 * replication of a polling-mode site. One pass at a time; a failing pass is logged and the next
 * runs on schedule ({@link PeriodicJob}). Several replicator processes may each crawl: their
 * requests coalesce in the queue. No pass runs while {@code allowed} says no (the tracking database
 * replicates other primaries than this process's: a crawl would judge the replica against the
 * wrong primary). Started and stopped by {@link io.georeg.replicator.Replicator}.
 */
public final class ReconcileSchedule implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileSchedule.class);

    private final Reconciler reconciler;
    private final List<RepositoryName> preheat;
    private final BooleanSupplier allowed;
    private final PeriodicJob job;

    public ReconcileSchedule(
            Reconciler reconciler, Duration interval, List<RepositoryName> preheat, BooleanSupplier allowed) {
        this.reconciler = reconciler;
        this.allowed = allowed;
        this.preheat = List.copyOf(preheat);
        // A pass is a long crawl of the primary: one still going when the replicator stops is said.
        this.job = new PeriodicJob(
                        "georeg-reconcile", interval, LOG, "reconcile pass failed; next one in {}", this::runOnce)
                .stopWithin(Duration.ofSeconds(10), () -> "reconcile pass still running after shutdown");
    }

    /** Crawls now, then {@code interval} after each pass ends. */
    public void start() {
        job.start(Duration.ZERO);
    }

    private void runOnce() {
        if (!allowed.getAsBoolean()) {
            LOG.warn("reconcile pass skipped: the tracking database replicates other primaries (see the error above)");
            return;
        }
        ReconcileSummary summary = reconciler.reconcileAll(preheat, ReconcileProgress.NONE);
        LOG.info("reconcile pass: {}", summary);
    }

    @Override
    public void close() {
        job.close();
    }
}
