package io.georeg.replicator;

import io.georeg.db.Database;
import io.georeg.oci.NamespaceOwners;
import io.georeg.ops.ProcessName;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.binding.PrimaryBinding;
import io.georeg.replicator.binding.PrimaryBindingException;
import io.georeg.replicator.binding.PrimaryBindingGuard;
import io.georeg.replicator.binding.PrimaryBindingObserver;
import io.georeg.replicator.copy.CopyObserver;
import io.georeg.replicator.copy.ReplicationWorker;
import io.georeg.replicator.copy.Throttle;
import io.georeg.replicator.intake.EventStore;
import io.georeg.replicator.intake.IntakeHandler;
import io.georeg.replicator.intake.IntakeObserver;
import io.georeg.replicator.metrics.ReplicatorMetrics;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.QueuePruner;
import io.georeg.replicator.queue.WorkFailedException;
import io.georeg.replicator.queue.WorkObserver;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkScheduler;
import io.georeg.replicator.reconcile.ReconcileObserver;
import io.georeg.replicator.reconcile.ReconcileRuns;
import io.georeg.replicator.reconcile.ReconcileSchedule;
import io.georeg.replicator.reconcile.Reconciler;
import io.georeg.replicator.reconcile.Reconcilers;
import io.georeg.replicator.reconcile.RepositoryFilter;
import io.georeg.replicator.reconcile.SyncConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.eclipse.jetty.server.Handler;

/**
 * The replicator of one process, wired: the notification intake ({@link #intakeHandler()}, for
 * the caller's Jetty server), the durable queue, the primary client (one per primary when the
 * secondary serves several) and the worker pool. The app's
 * {@code georeg serve} and the tests build it with the configuration, the started
 * {@link Database}, and the replica's two sides; nothing runs until {@link #start()}, and
 * {@link #close()} stops the workers and the primary client (not the database or the replica,
 * which the caller owns).
 *
 * <p>Several processes may run against one database: they share the queue through
 * {@code FOR UPDATE SKIP LOCKED} leases, and any intake's NOTIFY wakes every scheduler. They must
 * replicate the same primaries: building a replicator binds an unbound database to its primaries
 * and refuses one bound to others ({@link PrimaryBindingGuard}, {@link PrimaryBindingException});
 * a running one whose database is rebound stops claiming at once, and within
 * {@link PrimaryBindingGuard#INTERVAL} refuses notifications, skips scheduled reconcile passes and
 * turns unready ({@link #bindingMatches()}).
 */
public final class Replicator implements AutoCloseable {
    private final ReplicatorConfig config;
    private final WorkQueue queue;
    private final PrimaryBindingGuard binding;
    /** Each primary's client, in configuration order. */
    private final Map<String, PrimaryClient> primaries = new LinkedHashMap<>();

    private final Handler intake;
    private final WorkScheduler scheduler;
    private final Reconcilers reconcilers;
    private final QueuePruner pruner;
    private final List<ReconcileSchedule> reconcileSchedules = new ArrayList<>();

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
        this(
                config,
                List.of(new PrimarySource(PrimarySource.SINGLE, config.intake(), config.primary())),
                NamespaceOwners.single(PrimarySource.SINGLE),
                database,
                reader,
                writer,
                observers);
    }

    /**
     * A replicator of several primaries, each repository replicated from its owner only: each
     * primary's notifications at its own intake path with its own secret (events of repositories it
     * does not own are recorded but queue nothing), its own reconcile over its own catalog, and the
     * workers copying each item from the owner of its repository, into the one content-addressed
     * storage (a blob two primaries share is stored once). {@code config}'s intake and primary are
     * the defaults of the sources' other settings and otherwise unused.
     *
     * @param sources the primaries, in configuration order
     * @param owners  which primary owns a repository
     */
    public Replicator(
            ReplicatorConfig config,
            List<PrimarySource> sources,
            NamespaceOwners owners,
            Database database,
            ReplicaReader reader,
            ReplicaWriter writer,
            Observers observers) {
        this.config = config.validate();
        // First, before any client or thread exists: commands build a replicator without starting
        // it and use its crawl and queue at once, so being built is being allowed to work here.
        this.binding = new PrimaryBindingGuard(database, PrimaryBinding.of(sources), observers.binding());
        binding.requireBound();
        this.queue = new WorkQueue(database);
        SyncConfig sync = config.sync();
        Map<String, Reconciler> reconcilerOf = new LinkedHashMap<>();
        Map<String, ReplicationWorker> workerOf = new LinkedHashMap<>();
        List<Handler> intakes = new ArrayList<>();
        Throttle throttle = Throttle.of(config.maxBytesPerSecond());
        try {
            for (PrimarySource source : sources) {
                PrimaryClient client = PrimaryClient.create(source.primary(), config.egress());
                primaries.put(source.name(), client);
                RepositoryFilter filter = sources.size() == 1
                        ? sync.filter()
                        : sync.filter().and(r -> owners.owns(source.name(), r.value()));
                intakes.add(new IntakeHandler(
                        source.intake(),
                        new EventStore(database, filter),
                        observers.intake().apply(source.name()),
                        binding::refusal));
                reconcilerOf.put(
                        source.name(),
                        new Reconciler(
                                client.content(),
                                client.catalog(),
                                reader,
                                queue,
                                sync,
                                filter,
                                new ReconcileRuns(database, source.name()),
                                observers.reconcile()));
            }
        } catch (RuntimeException | Error e) {
            primaries.values().forEach(PrimaryClient::close);
            throw e;
        }
        this.reconcilers = new Reconcilers(reconcilerOf, owners);
        for (PrimarySource source : sources) {
            workerOf.put(
                    source.name(),
                    new ReplicationWorker(
                            primaries.get(source.name()).content(),
                            reader,
                            writer,
                            queue,
                            observers.copy(),
                            throttle,
                            (path, withBelow) ->
                                    reconcilers.reconcilePath(path, withBelow).errors()));
        }
        this.intake = intakes.size() == 1 ? intakes.get(0) : new Handler.Sequence(intakes);
        this.scheduler = new WorkScheduler(
                database,
                queue,
                item -> {
                    String owner = owners.ownerOf(item.repository().value())
                            .orElseThrow(() -> new WorkFailedException(
                                    FailureReason.NO_OWNER,
                                    "no primary owns " + item.repository() + " (see primaries and defaultPrimary)",
                                    true,
                                    null));
                    workerOf.get(owner).handle(item);
                },
                config.workers(),
                observers.work(),
                ProcessName.hostAndPid() + "/" + UUID.randomUUID().toString().substring(0, 8),
                binding.fingerprint());
        this.pruner = new QueuePruner(database, queue, config.retention());
        if (sync.reconcileScheduled()) {
            for (Map.Entry<String, Reconciler> e : reconcilerOf.entrySet()) {
                reconcileSchedules.add(new ReconcileSchedule(
                        e.getValue(),
                        sync.reconcileInterval(),
                        sync.preheatEntries().stream()
                                .map(SyncConfig.PreheatEntry::repository)
                                .filter(r -> owners.owns(e.getKey(), r.value()))
                                .toList(),
                        binding::matches));
            }
        }
    }

    /**
     * Where metrics (or a test) listen to what the replicator does.
     *
     * @param intake the observer of each primary's intake, by the primary's name
     */
    public record Observers(
            Function<String, IntakeObserver> intake,
            WorkObserver work,
            CopyObserver copy,
            ReconcileObserver reconcile,
            PrimaryBindingObserver binding) {
        public static final Observers NONE = new Observers(
                primary -> IntakeObserver.NONE,
                WorkObserver.NONE,
                CopyObserver.NONE,
                ReconcileObserver.NONE,
                PrimaryBindingObserver.NONE);

        /** Everything reported to the replicator's Prometheus metrics. */
        public static Observers of(ReplicatorMetrics metrics) {
            return new Observers(metrics::intakeOf, metrics, metrics, metrics, metrics);
        }
    }

    /** The notification endpoint of every primary ({@code POST} at its intake path) to mount. */
    public Handler intakeHandler() {
        return intake;
    }

    public WorkQueue queue() {
        return queue;
    }

    /** The catalog/tags crawl of every primary, for {@code georeg reconcile} and {@code georeg preheat} run in-process. */
    public Reconcilers reconciler() {
        return reconcilers;
    }

    /** The first primary's client (the only one without several primaries). */
    public PrimaryClient primary() {
        return primaries.values().iterator().next();
    }

    public ReplicatorConfig config() {
        return config;
    }

    /**
     * Starts the worker pool, the queue pruning, and the scheduled reconcile when
     * {@code replicator.sync.reconcileInterval} is set (the intake works as soon as its handler is mounted).
     */
    public void start() {
        binding.start();
        scheduler.start();
        reconcileSchedules.forEach(ReconcileSchedule::start);
        pruner.start();
    }

    /**
     * Whether the tracking database replicated this replicator's primaries at the last check
     * (every {@link PrimaryBindingGuard#INTERVAL}): the replicator's readiness.
     */
    public boolean bindingMatches() {
        return binding.matches();
    }

    /** Re-reads the primary binding now, as the periodic check does (for tests and commands). */
    public void recheckBinding() {
        binding.recheck();
    }

    /** This process's lease owner name, as it appears in {@code replication_work.lease_owner}. */
    public String owner() {
        return scheduler.owner();
    }

    @Override
    public void close() {
        try {
            pruner.close();
            reconcileSchedules.forEach(ReconcileSchedule::close);
            scheduler.close();
            binding.close();
        } finally {
            primaries.values().forEach(PrimaryClient::close);
        }
    }
}
