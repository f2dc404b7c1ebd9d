package io.georeg.app.wiring;

import io.georeg.db.DatabaseException;
import io.georeg.db.SchemaStatus;
import io.georeg.ops.BuildInfo;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version-skew guard of {@code georeg serve}: before any component starts,
 * {@link #requireRunnable()} refuses a database whose schema this binary cannot run on
 * ({@link SchemaStatus}: migrations pending, or a newer release's contract migration applied),
 * with a message naming this binary's version, the schema's and what to run. Once started it
 * checks again every {@link #INTERVAL}: a contract migration applied while this process runs
 * makes every component unready ({@link #compatible()} is a required readiness check) and is
 * logged as an error, so a pod of an old release stops receiving traffic instead of writing
 * what the new schema refuses. Owned by {@link Resources}, started by {@link GeoregServer}.
 */
public final class SchemaGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaGuard.class);
    static final Duration INTERVAL = Duration.ofSeconds(30);

    private final Supplier<SchemaStatus> status;
    private final BuildInfo build;
    private volatile SchemaStatus last;
    private ScheduledExecutorService schedule;

    /** Registers the gauges; checks nothing until {@link #start}. Public for the test that ties metric names to docs. */
    public SchemaGuard(Supplier<SchemaStatus> status, BuildInfo build, PrometheusRegistry metrics) {
        this.status = status;
        this.build = build;
        GaugeWithCallback.builder()
                .name("georeg_schema_version")
                .help("Schema version of the tracking database (newest migration applied), as last checked, and"
                        + " this binary's own (kind=\"database\" / \"binary\")")
                .labelNames("kind")
                .callback(cb -> {
                    SchemaStatus s = last;
                    if (s != null) {
                        cb.call(s.database(), "database");
                        cb.call(s.known(), "binary");
                    }
                })
                .register(metrics);
        GaugeWithCallback.builder()
                .name("georeg_schema_compatible")
                .help("1 while this binary may run on the database's schema (up to date, or newer by expansions"
                        + " only), else 0")
                .callback(cb -> {
                    SchemaStatus s = last;
                    if (s != null) {
                        cb.call(s.runnable() ? 1 : 0);
                    }
                })
                .register(metrics);
    }

    /** Checks now; throws {@link SchemaMismatchException} when this binary must not run on the database. */
    public SchemaStatus requireRunnable() {
        SchemaStatus s = status.get();
        last = s;
        s.problem(build.label()).ifPresent(problem -> {
            throw new SchemaMismatchException(problem);
        });
        if (s.verdict() == SchemaStatus.Verdict.AHEAD) {
            LOG.info("{}: {}", build.label(), s.summary());
        }
        return s;
    }

    /** Re-checks every {@link #INTERVAL} on a virtual thread until {@link #close()}. */
    public synchronized SchemaGuard start() {
        if (schedule == null) {
            schedule = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("schema-guard").factory());
            long every = INTERVAL.toMillis();
            schedule.scheduleWithFixedDelay(this::recheck, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * One periodic check (also run at once by tests): logs a change of compatibility; an
     * unreachable database keeps the last answer, and so does a check that fails any other way
     * (logged): an exception out of a run would end a scheduled executor's re-checks for good,
     * silently, and leave {@link #compatible()} at its last answer for the life of the process.
     */
    public void recheck() {
        SchemaStatus before = last;
        SchemaStatus now;
        try {
            now = status.get();
        } catch (DatabaseException e) {
            LOG.debug("schema check skipped: {}", e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn("schema check failed, keeping its last answer; next check in {}", INTERVAL, e);
            return;
        }
        last = now;
        boolean was = before == null || before.runnable();
        if (was && !now.runnable()) {
            LOG.error(
                    "{} is unready: {}",
                    build.label(),
                    now.problem(build.label()).orElseThrow());
        } else if (!was && now.runnable()) {
            LOG.info("{} is compatible with the database again: {}", build.label(), now.summary());
        }
    }

    /** Whether this binary may run on the schema as last checked (a required readiness check). */
    public boolean compatible() {
        SchemaStatus s = last;
        return s == null || s.runnable();
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.shutdownNow();
            schedule = null;
        }
    }
}
