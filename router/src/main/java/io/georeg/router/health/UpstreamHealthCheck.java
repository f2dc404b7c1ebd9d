package io.georeg.router.health;

import io.georeg.egress.EgressFailure;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes an upstream with {@code GET /v2/} (or a given URL, {@link #ofUrl}) every interval and feeds the answer to its
 * {@link CircuitBreaker}: any HTTP answer below 500 (401 included: a registry with token auth
 * answers the base endpoint so) counts as reachable; a 5xx, a timeout or a refused connection
 * counts as a failure. Started and stopped by {@code Router}; one scheduler thread each.
 */
public final class UpstreamHealthCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHealthCheck.class);

    private final HttpClient httpClient;
    private final java.util.function.Supplier<URI> probeUrl;
    private final Duration interval;
    private final Duration timeout;
    private final CircuitBreaker circuit;
    private ScheduledExecutorService scheduler;

    public UpstreamHealthCheck(
            HttpClient httpClient, URI origin, Duration interval, Duration timeout, CircuitBreaker circuit) {
        this(httpClient, () -> origin, interval, timeout, circuit);
    }

    /** {@code origin} is asked before every probe: a promotion switches the primary at run time. */
    public UpstreamHealthCheck(
            HttpClient httpClient,
            java.util.function.Supplier<URI> origin,
            Duration interval,
            Duration timeout,
            CircuitBreaker circuit) {
        this(httpClient, interval, timeout, circuit, () -> origin.get().resolve("/v2/"));
    }

    private UpstreamHealthCheck(
            HttpClient httpClient,
            Duration interval,
            Duration timeout,
            CircuitBreaker circuit,
            java.util.function.Supplier<URI> probeUrl) {
        this.httpClient = httpClient;
        this.probeUrl = probeUrl;
        this.interval = interval;
        this.timeout = timeout;
        this.circuit = circuit;
    }

    /**
     * Probes {@code url} itself instead of an origin's {@code /v2/}: for the primary's token service
     * (GitLab's {@code /jwt/auth}), which answers a request without credentials or scope with a
     * 4xx while it is up.
     */
    public static UpstreamHealthCheck ofUrl(
            HttpClient httpClient, URI url, Duration interval, Duration timeout, CircuitBreaker circuit) {
        return new UpstreamHealthCheck(httpClient, interval, timeout, circuit, () -> url);
    }

    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "health-" + circuit.upstream());
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::probeOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One probe, also callable directly (tests, readiness on demand). */
    public void probeOnce() {
        URI probe = probeUrl.get();
        try {
            ContentResponse response = httpClient
                    .newRequest(probe)
                    .method(HttpMethod.GET)
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            if (switchedSince(probe)) {
                return;
            }
            if (response.getStatus() < 500) {
                circuit.recordSuccess();
            } else {
                circuit.recordFailure("GET " + probe + " answered " + response.getStatus());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("probe of {} failed", probe, e);
            if (switchedSince(probe)) {
                return;
            }
            // The last failure is what a refused push is told: a failure a setting fixes names the setting.
            circuit.recordFailure("GET " + probe + ": "
                    + EgressFailure.explain(e).orElse(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    /**
     * Whether a promotion switched the upstream while {@code probe} was in flight: its answer then
     * speaks of the old one, and the circuit now stands for the new one (probed at once by the switch).
     */
    private boolean switchedSince(URI probe) {
        boolean switched = !probe.equals(probeUrl.get());
        if (switched) {
            LOG.debug("dropped the answer of {}: the upstream was switched meanwhile", probe);
        }
        return switched;
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("health check of {} did not stop within 5 s", probeUrl.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }
}
