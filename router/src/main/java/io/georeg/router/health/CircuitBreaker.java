package io.georeg.router.health;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *
 * <p>A circuit of the primary's registry guards one origin at a time, and a promotion points it
 * at the new one ({@link #switchTo}, by {@code SiteControl}). An outcome is recorded with the
 * origin it was for, and one for another origin than the circuit guards now is dropped: a request
 * or probe sent to the primary before the switch, answered or failed after it, speaks of the old
 * primary, not of the one the circuit stands for. For the same reason nothing of the old origin
 * carries over a switch: the new one starts closed, with no failures counted and no last failure
 * (the router probes it at once, and its own outcomes open the circuit again if it is down), so a
 * promotion away from a primary that is down does not refuse writes to the new one until a probe
 * of it succeeds. What an operator forced ({@link #force}) stays forced: the drill mode is the
 * admin state's, which a switch does not change. A circuit made without an origin (the
 * replica's, the token service's: nothing switches them) counts the outcomes of any.
 *
 * <p>What waits on the upstream learns that it was found down through {@link #whileDown}: after
 * every failure recorded while the circuit is open (the one that opened it included), not when an
 * operator forced it open, for the upstream answers then.
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
    /** The origin whose outcomes count, or null: any. Written under this object's lock. */
    private volatile URI origin;
    /** Run after each failure recorded while open ({@link #whileDown}). */
    private final List<Runnable> whileDown = new CopyOnWriteArrayList<>();

    /** A circuit that counts the outcomes of any origin: of an upstream nothing switches. */
    public CircuitBreaker(String upstream, int failureThreshold) {
        this(upstream, null, failureThreshold);
    }

    /** A circuit that counts only the outcomes of {@code origin}, until {@link #switchTo} another. */
    public CircuitBreaker(String upstream, URI origin, int failureThreshold) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
        this.upstream = upstream;
        this.origin = origin;
        this.failureThreshold = failureThreshold;
    }

    /**
     * From now on, counts only outcomes of {@code next} (a promotion switched the primary), from a
     * closed circuit and a count of none: those of the origin before, counted or still in flight,
     * say nothing of it (see the class comment). A switch to the origin it guards changes nothing.
     */
    public synchronized void switchTo(URI next) {
        if (next.equals(origin)) {
            return;
        }
        origin = next;
        consecutiveFailures.set(0);
        lastFailure = "";
        if (state.getAndSet(State.CLOSED) == State.OPEN) {
            LOG.info("{} switched to {}: circuit closed until it fails there", upstream, next);
        }
    }

    /** The origin whose outcomes count now; null when any counts. */
    public URI origin() {
        return origin;
    }

    /** A success of the upstream the circuit guards, whatever its origin. */
    public void recordSuccess() {
        recordSuccess(null);
    }

    /** A success of {@code of} (null: the origin it guards, whichever), dropped when the circuit guards another. */
    public synchronized void recordSuccess(URI of) {
        if (!counts(of)) {
            return;
        }
        consecutiveFailures.set(0);
        if (state.getAndSet(State.CLOSED) == State.OPEN) {
            LOG.info("{} reachable again: circuit closed", upstream);
        }
    }

    /** A failure of the upstream the circuit guards, whatever its origin. */
    public void recordFailure(String why) {
        recordFailure(null, why);
    }

    /**
     * A failure of {@code of} (null: the origin it guards, whichever), dropped when the circuit guards
     * another. When the circuit is open after it, the {@link #whileDown} actions run, on this thread
     * and outside the circuit's lock.
     */
    public void recordFailure(URI of, String why) {
        synchronized (this) {
            if (!counts(of)) {
                return;
            }
            lastFailure = why;
            if (consecutiveFailures.incrementAndGet() < failureThreshold) {
                return;
            }
            if (state.getAndSet(State.OPEN) == State.CLOSED) {
                LOG.warn(
                        "{} unreachable ({} consecutive failures, last: {}): circuit open",
                        upstream,
                        failureThreshold,
                        why);
            }
        }
        for (Runnable action : whileDown) {
            try {
                action.run();
            } catch (RuntimeException e) {
                // What calls this (a probe, a failed exchange) must go on whatever the action does.
                LOG.warn("{}: an action on the upstream found down failed", upstream, e);
            }
        }
    }

    /**
     * Runs {@code action} after every failure recorded while the circuit is open (the one that
     * opened it included), so about once a probe for as long as the upstream stays down: the
     * router ends the exchanges waiting on it with it, and those it let through just before the
     * circuit opened at the next probe. Never for a {@link #force}d circuit: the upstream answers
     * then. Called by the router as it starts.
     */
    public void whileDown(Runnable action) {
        whileDown.add(action);
    }

    /** Whether an outcome of {@code of} speaks of the origin this circuit guards; called holding the lock. */
    private boolean counts(URI of) {
        URI guarded = origin;
        if (of == null || guarded == null || guarded.equals(of)) {
            return true;
        }
        LOG.debug("{}: dropped an outcome of {}, the circuit guards {} now", upstream, of, guarded);
        return false;
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
