package io.georeg.replicator;

import io.georeg.db.Database;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.copy.CopyObserver;
import io.georeg.replicator.copy.ReplicationWorker;
import io.georeg.replicator.copy.Throttle;
import io.georeg.replicator.intake.EventStore;
import io.georeg.replicator.intake.IntakeHandler;
import io.georeg.replicator.intake.IntakeObserver;
import io.georeg.replicator.metrics.ReplicatorMetrics;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.queue.QueuePruner;
import io.georeg.replicator.queue.WorkObserver;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkScheduler;
import io.georeg.replicator.reconcile.ReconcileObserver;
import io.georeg.replicator.reconcile.ReconcileRuns;
import io.georeg.replicator.reconcile.ReconcileSchedule;
import io.georeg.replicator.reconcile.Reconciler;
import io.georeg.replicator.reconcile.SyncConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jetty.server.Handler;

/**
 * The replicator of one process, wired: the notification intake ({@link #intakeHandler()}, for
 * the caller's Jetty server), the durable queue, the primary client and the worker pool. The app's
 * {@code georeg serve} and the tests build it with the configuration, the started
 * {@link Database}, and the replica's two sides; nothing runs until {@link #start()}, and
 * {@link #close()} stops the workers and the primary client (not the database or the replica,
 * which the caller owns).
 *
 * <p>Several processes may run against one database: they share the queue through
 * {@code FOR UPDATE SKIP LOCKED} leases, and any intake's NOTIFY wakes every scheduler.
 */
public final class Replicator implements AutoCloseable {
    private final ReplicatorConfig config;
    private final WorkQueue queue;
    private final PrimaryClient primary;
    private final IntakeHandler intake;
    private final WorkScheduler scheduler;
    private final Reconciler reconciler;
    private final QueuePruner pruner;
    private final Optional<ReconcileSchedule> reconcileSchedule;

    public Replicator(ReplicatorConfig config, Database database, ReplicaReader reader, ReplicaWriter writer) {
        this(config, database, reader, writer, Observers.NONE);
    }

    /** A replicator whose metrics are registered on {@code registry} (the app's {@code /metrics}). */
    public Replicator(
            ReplicatorConfig config,
            Database database,
            ReplicaReader reader,
            ReplicaWriter writer,
            PrometheusRegistry registry) {
        this(config, database, reader, writer, Observers.of(new ReplicatorMetrics(registry, new WorkQueue(database))));
    }

    public Replicator(
            ReplicatorConfig config,
            Database database,
            ReplicaReader reader,
            ReplicaWriter writer,
            Observers observers) {
        this.config = config.validate();
        this.queue = new WorkQueue(database);
        this.primary = PrimaryClient.create(config.primary(), config.egress());
        this.intake = new IntakeHandler(
                config.intake(), new EventStore(database, config.sync().filter()), observers.intake());
        this.reconciler = new Reconciler(
                primary.content(),
                primary.catalog(),
                reader,
                queue,
                config.sync(),
                new ReconcileRuns(database),
                observers.reconcile());
        ReplicationWorker worker = new ReplicationWorker(
                primary.content(),
                reader,
                writer,
                queue,
                observers.copy(),
                Throttle.of(config.maxBytesPerSecond()),
                (path, withBelow) -> reconciler.reconcilePath(path, withBelow).errors());
        this.scheduler = new WorkScheduler(database, queue, worker, config.workers(), observers.work(), ownerId());
        this.pruner = new QueuePruner(database, queue, config.retention());
        SyncConfig sync = config.sync();
        this.reconcileSchedule = sync.reconcileScheduled()
                ? Optional.of(new ReconcileSchedule(
                        reconciler,
                        sync.reconcileInterval(),
                        sync.preheatEntries().stream()
                                .map(SyncConfig.PreheatEntry::repository)
                                .toList()))
                : Optional.empty();
    }

    /** Where metrics (or a test) listen to what the replicator does. */
    public record Observers(IntakeObserver intake, WorkObserver work, CopyObserver copy, ReconcileObserver reconcile) {
        public static final Observers NONE =
                new Observers(IntakeObserver.NONE, WorkObserver.NONE, CopyObserver.NONE, ReconcileObserver.NONE);

        /** Everything reported to the replicator's Prometheus metrics. */
        public static Observers of(ReplicatorMetrics metrics) {
            return new Observers(metrics, metrics, metrics, metrics);
        }
    }

    /** The notification endpoint ({@code POST} at {@code replicator.intake.path}) to mount. */
    public Handler intakeHandler() {
        return intake;
    }

    public WorkQueue queue() {
        return queue;
    }

    /** The catalog/tags crawl, for {@code georeg reconcile} and {@code georeg preheat} run in-process. */
    public Reconciler reconciler() {
        return reconciler;
    }

    public PrimaryClient primary() {
        return primary;
    }

    public ReplicatorConfig config() {
        return config;
    }

    /**
     * Starts the worker pool, the queue pruning, and the scheduled reconcile when
     * {@code replicator.sync.reconcileInterval} is set (the intake works as soon as its handler is mounted).
     */
    public void start() {
        scheduler.start();
        reconcileSchedule.ifPresent(ReconcileSchedule::start);
        pruner.start();
    }

    /** This process's lease owner name, as it appears in {@code replication_work.lease_owner}. */
    public String owner() {
        return scheduler.owner();
    }

    @Override
    public void close() {
        try {
            pruner.close();
            reconcileSchedule.ifPresent(ReconcileSchedule::close);
            scheduler.close();
        } finally {
            primary.close();
        }
    }

    private static String ownerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ManagementFactory.getRuntimeMXBean().getPid() + "/"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
