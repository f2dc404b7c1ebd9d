package io.georeg.router;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.health.UpstreamHealthCheck;
import io.georeg.router.proxy.Upstream;
import java.net.URI;
import org.eclipse.jetty.client.HttpClient;

/**
 * One primary's circuits and the health checks that drive them: its registry's (writes and
 * fallback reads are admitted by it) and, with a token endpoint of its own, its token service's.
 * A router with one primary names them {@code primary} and {@code auth}; with several, each gets
 * its primary's name ({@code primary-cell-1}, {@code auth-cell-1}), so one cell's outage opens only
 * its own circuits. Created by {@link Router}, started and stopped with it.
 */
final class PrimaryHealth implements AutoCloseable {
    final RouterCells.Cell cell;
    final CircuitBreaker circuit;
    /** The token service's circuit, or null when the primary has no token endpoint of its own. */
    final CircuitBreaker tokenCircuit;

    private UpstreamHealthCheck check;
    private UpstreamHealthCheck tokenCheck;

    PrimaryHealth(RouterCells.Cell cell, boolean several, int failureThreshold) {
        this.cell = cell;
        String suffix = several ? "-" + cell.name() : "";
        // Guards the configured registry until a promotion switches the first primary (SiteControl).
        this.circuit = new CircuitBreaker("primary" + suffix, cell.registryUrl(), failureThreshold);
        this.tokenCircuit = cell.authUrl() == null ? null : new CircuitBreaker("auth" + suffix, failureThreshold);
    }

    /** The token service as an upstream (its origin), or null without a token endpoint. */
    Upstream tokenService() {
        URI authUrl = cell.authUrl();
        return authUrl == null
                ? null
                : new Upstream(
                        tokenCircuit.upstream(),
                        "the token endpoint of primary " + cell.name(),
                        URI.create(authUrl.getScheme() + "://" + authUrl.getRawAuthority()));
    }

    /** Starts probing the registry its circuit guards (a promotion switches it) and the token endpoint. */
    synchronized void start(HttpClient httpClient, RouterConfig.Timeouts timeouts) {
        check = new UpstreamHealthCheck(httpClient, timeouts.healthInterval(), timeouts.healthTimeout(), circuit);
        check.start();
        if (tokenCircuit != null) {
            tokenCheck = UpstreamHealthCheck.ofUrl(
                    httpClient, cell.authUrl(), timeouts.healthInterval(), timeouts.healthTimeout(), tokenCircuit);
            tokenCheck.start();
        }
    }

    /** Probes the registry now (after a promotion switched it). */
    void probeSoon() {
        UpstreamHealthCheck c = check;
        if (c != null) {
            Thread.ofVirtual().name("probe-new-primary").start(c::probeOnce);
        }
    }

    @Override
    public synchronized void close() {
        if (check != null) {
            check.close();
            check = null;
        }
        if (tokenCheck != null) {
            tokenCheck.close();
            tokenCheck = null;
        }
    }
}
