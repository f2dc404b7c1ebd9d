package io.georeg.router.health;

import io.georeg.egress.EgressFailure;
import io.georeg.ops.PeriodicJob;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes an upstream with {@code GET /v2/} of the origin its {@link CircuitBreaker} guards (or a
 * given URL, {@link #ofUrl}) every interval and feeds the answer to that circuit: any HTTP answer
 * below 500 (401 included: a registry with token auth answers the base endpoint so) counts as
 * reachable; a 5xx, a timeout or a refused connection counts as a failure. Each outcome is
 * recorded with the origin the circuit guarded when the probe began, so the circuit drops the
 * answer of a primary that a promotion switched away from meanwhile. Started and stopped by
 * {@code Router}; one daemon thread each ({@link PeriodicJob}).
 */
public final class UpstreamHealthCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHealthCheck.class);

    private final HttpClient httpClient;
    /** The URL to probe for the origin the circuit guards now (null for a circuit of any origin). */
    private final UnaryOperator<URI> probeUrl;

    private final Duration timeout;
    private final CircuitBreaker circuit;
    private final PeriodicJob job;

    /**
     * Probes {@code /v2/} of the origin {@code circuit} guards, asked before every probe: a promotion
     * switches it at run time ({@link CircuitBreaker#switchTo}).
     */
    public UpstreamHealthCheck(HttpClient httpClient, Duration interval, Duration timeout, CircuitBreaker circuit) {
        this(httpClient, interval, timeout, circuit, origin -> origin.resolve("/v2/"));
        if (circuit.origin() == null) {
            throw new IllegalArgumentException(
                    circuit.upstream() + ": a circuit without an origin has nothing to probe");
        }
    }

    private UpstreamHealthCheck(
            HttpClient httpClient,
            Duration interval,
            Duration timeout,
            CircuitBreaker circuit,
            UnaryOperator<URI> probeUrl) {
        this.httpClient = httpClient;
        this.probeUrl = probeUrl;
        this.timeout = timeout;
        this.circuit = circuit;
        // A probe's failure is the circuit's to record; the job's failure line is for a probe
        // that could not even record one, which must not end the probing.
        this.job = new PeriodicJob(
                        "health-" + circuit.upstream(),
                        interval,
                        LOG,
                        "health check of " + circuit.upstream() + " failed; next probe in {}",
                        this::probeOnce)
                .stopWithin(
                        Duration.ofSeconds(5),
                        () -> "health check of " + probeUrl.apply(circuit.origin()) + " did not stop within 5 s");
    }

    /**
     * Probes {@code url} itself instead of an origin's {@code /v2/}: for the primary's token service
     * (GitLab's {@code /jwt/auth}), which answers a request without credentials or scope with a
     * 4xx while it is up.
     */
    public static UpstreamHealthCheck ofUrl(
            HttpClient httpClient, URI url, Duration interval, Duration timeout, CircuitBreaker circuit) {
        return new UpstreamHealthCheck(httpClient, interval, timeout, circuit, origin -> url);
    }

    /** Probes now, then {@code interval} after each probe ends. */
    public void start() {
        job.start(Duration.ZERO);
    }

    /** One probe, also callable directly (tests, readiness on demand). */
    public void probeOnce() {
        URI origin = circuit.origin();
        URI probe = probeUrl.apply(origin);
        try {
            ContentResponse response = httpClient
                    .newRequest(probe)
                    .method(HttpMethod.GET)
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            if (response.getStatus() < 500) {
                circuit.recordSuccess(origin);
            } else {
                circuit.recordFailure(origin, "GET " + probe + " answered " + response.getStatus());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("probe of {} failed", probe, e);
            // The last failure is what a refused push is told: a failure a setting fixes names the setting.
            circuit.recordFailure(
                    origin,
                    "GET " + probe + ": "
                            + EgressFailure.explain(e).orElse(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    @Override
    public void close() {
        job.close();
    }
}
