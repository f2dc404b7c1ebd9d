package io.georeg.router.admin;

import io.georeg.ops.PeriodicJob;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.Upstream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This router's live view of the admin state: the mode (the {@code primary-down} drill forces the
 * primary's {@link CircuitBreaker} open, so every path that honours an open circuit honours the
 * drill) and the primary {@link Upstream} writes, token requests and fallbacks go to (the
 * configured one until a promotion switches it, and the primary's circuit with it:
 * {@link CircuitBreaker#switchTo}). Polls its {@link AdminStateStore} every
 * {@code pollInterval}, so a switch made through any router instance reaches all of them.
 * Created and started by {@code Router}; read by its dispatcher on every request, without a lock.
 *
 * <p>A switch the store cannot take (the database does not answer within
 * {@code router.admin.storeTimeout}) is applied on this router anyway and kept as unstored
 * ({@link #notStored()}): the admin switches exist for incidents, and an incident is when the
 * database may be the thing failing — a drill's restore to {@code normal} must not wait for it,
 * nor be undone when it answers again. Polls then leave the unstored state alone and store it as
 * soon as the store answers, but only over the state it was made on: a switch stored meanwhile
 * through another router wins, and applies here too. What is kept, stored or dropped is
 * {@link UnstoredSwitches}' to decide; this class applies what it answers. Every call of the store
 * is bounded in time ({@link AdminStateStore}), so no lock here is held for longer than one call
 * may take.
 */
public final class SiteControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SiteControl.class);

    private final URI configuredPrimary;
    private final AdminStateStore store;
    private final CircuitBreaker primaryCircuit;
    private final Consumer<URI> onPrimaryChange;
    private final PollFailureLog pollFailures;
    private final UnstoredSwitches unstored;
    /**
     * Held by a switch from its write to the store until what the store answered is applied (and
     * by a poll that stores {@link #unstored} switches), so switches reach the store and this router in
     * one order. A poll's read never holds it: a read waiting on a stalled database must not make
     * an operator's switch wait behind it.
     */
    private final Object storeOrder = new Object();
    /** Held while a state is applied, never while the store is waited for. */
    private final Object applyOrder = new Object();

    /**
     * Switches applied so far (guarded by {@link #applyOrder}): a poll whose read began before one
     * of them may have read the state before it, and does not apply what it read (it would undo a
     * drill's restore or a promotion until the next poll).
     */
    private long switches;

    private volatile AdminState state = AdminState.initial();
    private volatile Upstream primary;
    /** {@link #primarySwitched()}, worked out when the primary changes: every read asks it. */
    private volatile boolean primarySwitched;

    private final PeriodicJob poll;

    /** @param onPrimaryChange told the new primary URL after a switch (the router probes it at once) */
    public SiteControl(
            URI configuredPrimary,
            AdminStateStore store,
            CircuitBreaker primaryCircuit,
            Duration pollInterval,
            Consumer<URI> onPrimaryChange) {
        this(configuredPrimary, store, primaryCircuit, pollInterval, onPrimaryChange, Clock.systemUTC());
    }

    /** @param clock times the failing polls' log lines ({@link PollFailureLog}, of reads and of stores) */
    SiteControl(
            URI configuredPrimary,
            AdminStateStore store,
            CircuitBreaker primaryCircuit,
            Duration pollInterval,
            Consumer<URI> onPrimaryChange,
            Clock clock) {
        this.configuredPrimary = Objects.requireNonNull(configuredPrimary, "configuredPrimary");
        this.store = Objects.requireNonNull(store, "store");
        this.primaryCircuit = primaryCircuit;
        this.onPrimaryChange = onPrimaryChange;
        this.pollFailures = PollFailureLog.ofReads(clock);
        this.unstored = new UnstoredSwitches(store, configuredPrimary, applyOrder, clock);
        this.primary = upstream(configuredPrimary);
        // A store that does not answer is the poll's own to log (PollFailureLog); the job's failure
        // line is for anything else, which must not end the polling of this router.
        this.poll = new PeriodicJob(
                        "router-admin-poll",
                        pollInterval,
                        LOG,
                        "router admin poll failed; next poll in {}",
                        this::refresh)
                .stopWithin(Duration.ofSeconds(5), () -> "router admin poll did not stop within 5 s");
    }

    /** Reads the stored state now (its failure is the caller's), then polls it. */
    public void start() {
        poll.runNowThenStart();
    }

    /**
     * Reads the store and applies what it says; a failed read keeps the last known state. With
     * {@link #unstored} switches, a store that answers again is given them instead ({@link #storeUnstored}).
     */
    public void refresh() {
        long seen;
        synchronized (applyOrder) {
            seen = switches;
        }
        AdminState read;
        try {
            read = store.read();
        } catch (RuntimeException e) {
            pollFailures.failed(e, state.summary(configuredPrimary));
            return;
        }
        pollFailures.succeeded();
        synchronized (applyOrder) {
            if (switches != seen) {
                return;
            }
            switch (unstored.afterRead(read)) {
                case APPLY -> {
                    apply(read);
                    return;
                }
                case DROP -> {
                    unstored.dropped(read);
                    settle(read);
                    return;
                }
                case STORE -> {}
            }
        }
        storeUnstored();
    }

    /** Sets the mode in the store and applies it here at once (unstored when the store fails). */
    public AdminState setMode(RouterMode mode, String reason) {
        return setMode(mode, reason, Optional.empty());
    }

    /**
     * {@link #setMode(RouterMode, String)} if the state is still what {@code expect} says, else
     * {@link AdminStateChanged}: compared by the store, or against the state applied here when the
     * store does not take the switch.
     */
    public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
        return change(expect, s -> s.withMode(mode, reason, Instant.now()), () -> store.setMode(mode, reason, expect));
    }

    /**
     * Sets the primary in the store ({@code url} empty: the configured one) and applies it here at
     * once (unstored when the store fails).
     */
    public AdminState setPrimary(Optional<URI> url) {
        return setPrimary(url, Optional.empty());
    }

    /** {@link #setPrimary(Optional)} if the state is still what {@code expect} says, as {@link #setMode} does. */
    public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
        return change(expect, s -> s.withPrimary(url, Instant.now()), () -> store.setPrimary(url, expect));
    }

    /**
     * Why the state applied here is not what the store holds (switches made while it did not
     * answer, which this router stores when it answers again); empty when it is.
     */
    public Optional<String> notStored() {
        return unstored.why();
    }

    private AdminState change(
            Optional<AdminExpectation> expect, UnaryOperator<AdminState> edit, Supplier<AdminState> write) {
        synchronized (storeOrder) {
            // Nothing unstored: the switch goes straight to the store, and a refusal carries its state.
            boolean straightToStore = unstored.why().isEmpty();
            try {
                AdminState next = unstored.store(expect, edit, write, this::state);
                settle(next);
                return next;
            } catch (AdminStateChanged e) {
                if (straightToStore) {
                    // Nothing was changed here, but the store answered with the state another router
                    // switched the site to (one of this release over the same precondition, or one of
                    // the release before, which ignores it). Applied now, not at the next poll: the
                    // client that gets the 409 reads this router next (georeg drill and promote count
                    // a switch already made through another router as made), and until the poll it
                    // would read the state before — a drill's restore of a site's second router failed so.
                    settle(e.now());
                }
                throw e;
            } catch (RuntimeException e) {
                return settleUnstored(expect, edit, e);
            }
        }
    }

    /** Called by a poll once the store answers again and still holds the state the unstored switches were made on. */
    private void storeUnstored() {
        synchronized (storeOrder) {
            AdminState wanted;
            Optional<AdminState> over;
            synchronized (applyOrder) {
                over = unstored.basisToStoreOver();
                if (over.isEmpty()) {
                    return;
                }
                wanted = state;
            }
            unstored.storeOver(wanted, over.get(), this::settle);
        }
    }

    /** Applies a state the store answered to a switch (or to the storing of unstored ones). */
    private void settle(AdminState fromStore) {
        synchronized (applyOrder) {
            switches++;
            unstored.settled(fromStore);
            apply(fromStore);
        }
    }

    /**
     * Applies a switch the store did not take ({@code failure}), if {@code expect} matches the state
     * applied here: without a store that answers, that is the state this router goes on with.
     */
    private AdminState settleUnstored(
            Optional<AdminExpectation> expect, UnaryOperator<AdminState> edit, RuntimeException failure) {
        synchronized (applyOrder) {
            AdminState current = state;
            expect.ifPresent(e -> e.check(current));
            switches++;
            AdminState local = edit.apply(current);
            unstored.kept(unstored.refused(failure));
            apply(local);
            return local;
        }
    }

    /** Applies a state; called holding {@link #applyOrder}. */
    private void apply(AdminState next) {
        AdminState previous = state;
        state = next;
        if (next.mode() == RouterMode.PRIMARY_DOWN) {
            primaryCircuit.force("primary-down drill mode set by an operator"
                    + (next.reason().isBlank() ? "" : ": " + next.reason()));
        } else {
            primaryCircuit.release();
        }
        if (previous.mode() != next.mode()) {
            LOG.warn(
                    "router mode {} -> {}{}",
                    previous.mode().label(),
                    next.mode().label(),
                    next.reason().isBlank() ? "" : " (" + next.reason() + ")");
        }
        URI url = next.primaryUrl().orElse(configuredPrimary);
        if (!url.equals(primary.origin())) {
            LOG.warn("primary switched from {} to {}", primary.origin(), url);
            // Before the new primary is handed out: from now on the outcomes of the old one, still
            // in flight, are dropped by the circuit, and those of the new one count.
            primaryCircuit.switchTo(url);
            primary = upstream(url);
            primarySwitched = !origin(url).equals(origin(configuredPrimary));
            onPrimaryChange.accept(url);
        }
    }

    public AdminState state() {
        return state;
    }

    public RouterMode mode() {
        return state.mode();
    }

    /** Where writes, token requests (without a separate auth URL) and fallbacks go now. */
    public Upstream primary() {
        return primary;
    }

    public URI primaryUrl() {
        return primary.origin();
    }

    public URI configuredPrimaryUrl() {
        return configuredPrimary;
    }

    /**
     * Whether the primary applied here is another registry than the configured one: a promotion
     * switched it (or an operator did by hand). What the replica holds is the binding's to say
     * ({@link ReplicaBinding}); this is its rule for a tracking database not bound yet, whose
     * replica stands for the configured primary. Compared by scheme and authority, as the admin API
     * stores an origin, and the configured URL may end with a {@code /}.
     */
    public boolean primarySwitched() {
        return primarySwitched;
    }

    private static String origin(URI url) {
        return (url.getScheme() + "://" + url.getRawAuthority()).toLowerCase(java.util.Locale.ROOT);
    }

    public CircuitBreaker primaryCircuit() {
        return primaryCircuit;
    }

    @Override
    public void close() {
        poll.close();
    }

    private static Upstream upstream(URI url) {
        return new Upstream("primary", "the primary site's registry (" + url + ")", url);
    }
}
