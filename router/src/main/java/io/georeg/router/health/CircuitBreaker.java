package io.georeg.router.health;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an upstream is taken to be reachable. Opens after {@code failureThreshold}
 * consecutive failures (active probes by {@link UpstreamHealthCheck} or failed connects of real
 * requests), closes on the next success; while open, the dispatcher answers writes at once with
 * a 503 instead of letting each client wait for a connect timeout. There is no separate
 * half-open state: the active probe keeps testing the upstream while the circuit is open.
 *
 * <p>An operator can also {@link #force} the circuit open (the router's {@code primary-down}
 * drill mode, set through {@code /-/admin/mode}): it then stays open whatever the probes say,
 * so the router behaves exactly as in a real outage, until {@link #release()}.
 */
public final class CircuitBreaker {
    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    public enum State {
        CLOSED,
        OPEN
    }

    private final String upstream;
    private final int failureThreshold;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);
    private volatile String lastFailure = "";
    private volatile String forced;

    public CircuitBreaker(String upstream, int failureThreshold) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
        this.upstream = upstream;
        this.failureThreshold = failureThreshold;
    }

    public void recordSuccess() {
        consecutiveFailures.set(0);
        if (state.getAndSet(State.CLOSED) == State.OPEN) {
            LOG.info("{} reachable again: circuit closed", upstream);
        }
    }

    public void recordFailure(String why) {
        lastFailure = why;
        if (consecutiveFailures.incrementAndGet() >= failureThreshold && state.getAndSet(State.OPEN) == State.CLOSED) {
            LOG.warn(
                    "{} unreachable ({} consecutive failures, last: {}): circuit open",
                    upstream,
                    failureThreshold,
                    why);
        }
    }

    /** Opens at once, whatever the count: a real request could not even connect. */
    public void trip(String why) {
        lastFailure = why;
        consecutiveFailures.set(failureThreshold);
        if (state.getAndSet(State.OPEN) == State.CLOSED) {
            LOG.warn("{} unreachable ({}): circuit open", upstream, why);
        }
    }

    /** Holds the circuit open whatever the probes say; {@code why} is what clients are told. */
    public void force(String why) {
        if (forced == null) {
            LOG.warn("{} circuit forced open: {}", upstream, why);
        }
        forced = why;
    }

    /** Ends {@link #force}: the probes decide again. */
    public void release() {
        if (forced != null) {
            LOG.info("{} circuit no longer forced open", upstream);
        }
        forced = null;
    }

    public boolean isForced() {
        return forced != null;
    }

    public boolean isOpen() {
        return forced != null || state.get() == State.OPEN;
    }

    /** Whether the probes and connects alone found the upstream down (a forced state aside). */
    public boolean probedOpen() {
        return state.get() == State.OPEN;
    }

    public State state() {
        return forced != null ? State.OPEN : state.get();
    }

    public String upstream() {
        return upstream;
    }

    public String lastFailure() {
        String f = forced;
        return f != null ? f : lastFailure;
    }
}
