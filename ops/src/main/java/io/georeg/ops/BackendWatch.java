package io.georeg.ops;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the secondary's own backends (its PostgreSQL database, its blob storage) can serve now,
 * known before a request needs them: each backend's probe runs every {@code interval} (a
 * {@link PeriodicJob}) on a thread of its own and must finish within {@code budget}; a probe that
 * fails or overruns marks the backend unavailable until one passes again. A probe still running past its budget is not
 * started again until it returns, so a stalled backend holds one thread, not one per interval.
 *
 * <p>Readiness ({@link #check}), the router (reads go to the primary while a backend is
 * unavailable, so a healthy primary's users see no failure) and the gauge
 * {@code georeg_backend_available{backend}} read the last outcome, never the backend itself: no
 * request waits for a probe. One per process, built and started by the app's wiring.
 */
public final class BackendWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackendWatch.class);

    /** One backend's check: returns when the backend answers, throws when it cannot. */
    @FunctionalInterface
    public interface Probe {
        void run() throws Exception;
    }

    private final Duration budget;
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final PeriodicJob job;

    /**
     * @param probes   the backends by name, in the order readiness reports them
     * @param registry where {@code georeg_backend_available} is registered (once per registry)
     */
    public BackendWatch(Map<String, Probe> probes, Duration interval, Duration budget, PrometheusRegistry registry) {
        this.budget = Objects.requireNonNull(budget, "budget");
        // A probe's failure is its backend's state, not the job's: the job's failure line is for a
        // round that could not even record one.
        this.job = new PeriodicJob(
                "backend-watch",
                Objects.requireNonNull(interval, "interval"),
                LOG,
                "probing the backends failed; next round in {}",
                () -> backends.values().forEach(Backend::probeOnce));
        probes.forEach((name, probe) -> backends.put(name, new Backend(name, probe)));
        GaugeWithCallback.builder()
                .name("georeg_backend_available")
                .help("1 while the backend (database, storage) answered its last probe within the budget, else 0")
                .labelNames("backend")
                .callback(cb -> backends.values().forEach(b -> cb.call(b.available ? 1 : 0, b.name)))
                .register(registry);
    }

    /** Probes every backend once now (so readiness is right from the start), then every interval. */
    public BackendWatch start() {
        job.runNowThenStart();
        return this;
    }

    /** Whether {@code backend} passed its last probe; true for a backend this watch does not know. */
    public boolean available(String backend) {
        Backend b = backends.get(backend);
        return b == null || b.available;
    }

    /** Whether every backend passed its last probe. */
    public boolean allAvailable() {
        return backends.values().stream().allMatch(b -> b.available);
    }

    /** Why {@code backend} counts as unavailable (its last failure), or empty. */
    public String lastFailure(String backend) {
        Backend b = backends.get(backend);
        return b == null || b.available ? "" : b.lastFailure;
    }

    /** The readiness check of {@code backend}: required when the component can do nothing without it. */
    public OperationsHandler.Check check(String backend, boolean required) {
        if (!backends.containsKey(backend)) {
            throw new IllegalArgumentException("no probe for backend " + backend);
        }
        return new OperationsHandler.Check(backend, () -> available(backend), required);
    }

    /** The names of the watched backends, in order. */
    public List<String> names() {
        return List.copyOf(backends.keySet());
    }

    /** Ends the probing; a probe still running past its budget is left to its virtual thread. */
    @Override
    public void close() {
        job.close();
    }

    /** One backend's state; its probe runs on a virtual thread so the budget can be enforced. */
    private final class Backend {
        private final String name;
        private final Probe probe;
        private volatile boolean available = true;
        private volatile String lastFailure = "";
        /** Whether an error a probe threw has been logged since the backend became unavailable. */
        private boolean errorLogged;

        private CompletableFuture<Void> running;

        Backend(String name, Probe probe) {
            this.name = name;
            this.probe = probe;
        }

        void probeOnce() {
            if (!available && running != null && running.isCompletedExceptionally()) {
                // A probe that overran an earlier round has ended since, with the error that round
                // could not wait for (a client retrying a refused connection for longer than the budget).
                unavailable(reason(running.exceptionNow()), true);
            }
            if (running == null || running.isDone()) {
                running = new CompletableFuture<>();
                CompletableFuture<Void> started = running;
                Thread.ofVirtual().name("probe-" + name).start(() -> {
                    try {
                        probe.run();
                        started.complete(null);
                    } catch (Throwable e) {
                        started.completeExceptionally(e);
                    }
                });
            }
            try {
                running.get(budget.toMillis(), TimeUnit.MILLISECONDS);
                if (!available) {
                    LOG.info("{} available again", name);
                }
                available = true;
                lastFailure = "";
            } catch (TimeoutException e) {
                unavailable("no answer within " + budget, false);
            } catch (ExecutionException e) {
                unavailable(reason(e.getCause()), true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Logs the change to unavailable and, when that said "no answer", the first error a probe
         * throws while it lasts: the first probe at start often overruns the budget while the
         * client warms up (the S3 and GCS clients load and connect on their first call), and the
         * error (wrong credentials, a missing bucket) is what the operator has to fix. Once per
         * outage: an error's text changes with every request id, and slow probes alternate with
         * failing ones.
         */
        private void unavailable(String why, boolean thrown) {
            if (available) {
                LOG.warn("{} unavailable ({}): reads are answered from the primary while it is", name, why);
                errorLogged = thrown;
            } else if (thrown && !errorLogged) {
                LOG.warn("{} still unavailable, because of: {}", name, why);
                errorLogged = true;
            }
            available = false;
            lastFailure = why;
        }

        private static String reason(Throwable failure) {
            return failure.getClass().getSimpleName() + ": " + failure.getMessage();
        }
    }
}
