package io.georeg.app.wiring;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.georeg.app.config.ComponentName;
import io.georeg.app.config.GeoregConfig;
import io.georeg.db.Database;
import io.georeg.db.SchemaWatch;
import io.georeg.ops.BackendWatch;
import io.georeg.ops.BuildInfo;
import io.georeg.ops.OperationsHandler;
import io.georeg.ops.RequestSignals;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replica.cache.CachingReplicaReader;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.ObjectStore;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What components share in one process: the database pool, the blob store, the replica's
 * read and write sides, the version-skew {@link SchemaGuard}, and the one Prometheus registry every
 * component's metrics go to (and every {@code /metrics} serves, with {@code georeg_build_info}). Each is opened on first use (so {@code georeg migrate} never opens
 * storage) and closed by {@link #close()} in the reverse order of opening. Not thread-safe for
 * opening: components are built on one thread by {@link GeoregServer} and the commands.
 */
public final class Resources implements AutoCloseable {
    private final GeoregConfig config;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Database database;
    private BlobStore blobStore;
    private ReplicaReader reader;
    private ReplicaReader servingReader;
    private ReplicaWriter writer;
    private SchemaGuard schemaGuard;
    private final PrometheusRegistry metrics = new PrometheusRegistry();
    private BackendWatch backends;
    /** The backends {@link #backends()} watches. */
    public static final String DATABASE = "database";

    public static final String STORAGE = "storage";
    private final RequestSignals requestSignals = new RequestSignals(metrics);
    /** Registered once: a pool opened again after {@link #close()} reports through the same bridge. */
    private final MetricsTrackerFactory poolMetrics = DatabasePoolMetrics.register(metrics);

    private volatile boolean stopping;

    public Resources(GeoregConfig config) {
        this.config = config;
        BuildInfo.current().register(metrics);
        // The Prometheus client's JVM instrumentation: memory, GC, threads, classes, CPU, buffer pools.
        JvmMetrics.builder().register(metrics);
    }

    /** The request rate, error and apdex counters every component's port wraps its handlers in. */
    public RequestSignals requestSignals() {
        return requestSignals;
    }

    public GeoregConfig config() {
        return config;
    }

    /** The started connection pool (migrations applied first when {@code database.migrateOnStart}). */
    public synchronized Database database() {
        if (database == null) {
            database = new Database(config.database(), poolMetrics).start();
            opened.push(database);
        }
        return database;
    }

    /** The version-skew guard over {@link #database()}; {@link GeoregServer} checks and starts it. */
    public synchronized SchemaGuard schemaGuard() {
        if (schemaGuard == null) {
            Database db = database();
            schemaGuard = new SchemaGuard(new SchemaWatch(db.dataSource()), BuildInfo.current(), metrics);
            opened.push(schemaGuard);
        }
        return schemaGuard;
    }

    /**
     * Turns every component's port unready while they go on serving: the first step of a stop
     * with {@code shutdownDelay} ({@link GeoregServer#stop}), so that load balancers stop sending
     * new connections before the ports stop accepting them.
     */
    public void stopServing() {
        stopping = true;
    }

    /** Required of every component's port: ready until {@link #stopServing()} ({@code "serving"}). */
    public OperationsHandler.Check servingReadiness() {
        return OperationsHandler.Check.required("serving", () -> !stopping);
    }

    /** Required of every component: the version-skew guard's answer ({@code "schema"}, {@link #schemaCompatible()}). */
    public OperationsHandler.Check schemaReadiness() {
        return OperationsHandler.Check.required("schema", this::schemaCompatible);
    }

    /** Whether this binary may run on the database's schema as last checked: every component's readiness. */
    public boolean schemaCompatible() {
        SchemaGuard guard;
        synchronized (this) {
            guard = schemaGuard;
        }
        return guard == null || guard.compatible();
    }

    public synchronized BlobStore blobStore() {
        if (blobStore == null) {
            blobStore = BlobStores.open(config.storage().selected());
            opened.push(blobStore);
        }
        return blobStore;
    }

    public synchronized ReplicaReader replicaReader() {
        if (reader == null) {
            reader = new DatabaseReplicaReader(database(), blobStore(), config.replica());
        }
        return reader;
    }

    /**
     * The reader registry-read serves from: {@link #replicaReader()} behind the metadata cache
     * when {@code replica.cache.enabled}. The replicator keeps the uncached reader: it decides
     * what to copy and must see a delete the moment it commits.
     */
    public synchronized ReplicaReader servingReplicaReader() {
        if (servingReader == null) {
            if (config.replica().cache().enabled()) {
                CachingReplicaReader cached = new CachingReplicaReader(
                        replicaReader(), config.database(), config.replica().cache());
                opened.push(cached);
                servingReader = cached.start();
            } else {
                servingReader = replicaReader();
            }
        }
        return servingReader;
    }

    public synchronized ReplicaWriter replicaWriter() {
        if (writer == null) {
            writer = new DatabaseReplicaWriter(database(), blobStore());
        }
        return writer;
    }

    /** The process's one metrics registry. */
    public PrometheusRegistry metrics() {
        return metrics;
    }

    /**
     * The watch of this process's own backends, started on first use: {@value #DATABASE} always,
     * {@value #STORAGE} when a component that reads or writes blobs runs here (a router alone
     * never opens storage). Readiness, the router's choice of the primary while a backend is
     * down, and {@code georeg_backend_available} read it.
     */
    public synchronized BackendWatch backends() {
        if (backends == null) {
            // Opened here, not in the probes: a probe runs on a thread of its own and must not
            // wait for this object's lock.
            Map<String, BackendWatch.Probe> probes = new LinkedHashMap<>();
            DataSource pool = database().dataSource();
            probes.put(DATABASE, () -> probeDatabase(pool));
            if (config.components().contains(ComponentName.REGISTRY_READ)
                    || config.components().contains(ComponentName.REPLICATOR)) {
                ObjectStore objects = blobStore().objects();
                probes.put(STORAGE, objects::probe);
            }
            backends = new BackendWatch(
                    probes, config.health().interval(), config.health().budget(), metrics);
            opened.push(backends);
            backends.start();
        }
        return backends;
    }

    /** A pooled connection that PostgreSQL validates (the watch bounds the wait by its budget). */
    private void probeDatabase(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            int seconds = (int) Math.max(1, config.health().budget().toSeconds());
            if (!c.isValid(seconds)) {
                throw new SQLException("the connection did not validate");
            }
        }
    }

    /** Closes everything opened, newest first; the first failure is thrown after all were tried. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing georeg resources failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        database = null;
        blobStore = null;
        reader = null;
        servingReader = null;
        writer = null;
        schemaGuard = null;
        backends = null;
        if (failure != null) {
            throw failure;
        }
    }
}
