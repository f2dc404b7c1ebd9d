package io.georeg.router.admin;

import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switches {@link SiteControl} applied on this router while its {@link AdminStateStore} did
 * not take them (the database did not answer within {@code router.admin.storeTimeout}): why they
 * are unstored, the stored state they were made on, and what is sent to the store to store them,
 * only over that state, never over a switch stored since through another router, which wins and
 * drops them. SiteControl decides when (a switch, a poll) and applies what this class answers;
 * this class never applies a state. Its basis is guarded by the lock SiteControl holds while it
 * applies a state ({@code applyOrder}), shared with this class: a switch that reads the basis
 * and then the applied state never pairs a newer basis with an older state, which would store
 * switches a poll has just dropped over the switch another router stored. No store call is made
 * holding that lock.
 */
final class UnstoredSwitches {
    private static final Logger LOG = LoggerFactory.getLogger(UnstoredSwitches.class);
    private static final String DROPPED = "switches made on this router while the admin state store did not answer"
            + " are dropped: the store took another switch since";

    /** What a poll does with the state it read. */
    enum AfterRead {
        /** No switch is unstored: the state read applies. */
        APPLY,
        /** The store took another switch since the unstored ones were made: they are dropped, it applies. */
        DROP,
        /** The store still holds the state the unstored switches were made on: store them over it. */
        STORE
    }

    private final AdminStateStore store;
    private final URI configuredPrimary;
    /** Held by SiteControl while it applies a state. */
    private final Object applyOrder;
    /** The state the store last answered, null until it has (guarded by {@link #applyOrder}). */
    private AdminState basis;
    /** Why the applied state holds switches the store has not taken; null when it holds none. */
    private volatile String why;
    /** A poll that cannot store them tries again on every poll: one log line a minute, not a stack trace each. */
    private final PollFailureLog storeFailures;

    /**
     * @param applyOrder the lock SiteControl holds while it applies a state
     * @param clock      times the log lines of polls that cannot store the switches
     */
    UnstoredSwitches(AdminStateStore store, URI configuredPrimary, Object applyOrder, Clock clock) {
        this.store = store;
        this.configuredPrimary = configuredPrimary;
        this.applyOrder = applyOrder;
        this.storeFailures = PollFailureLog.ofStores(clock);
    }

    /** Why the state applied on this router is not what the store holds; empty when it is. */
    Optional<String> why() {
        return Optional.ofNullable(why);
    }

    /** What a poll that read {@code read} does; with nothing unstored, {@code read} is the basis from now on. */
    AfterRead afterRead(AdminState read) {
        synchronized (applyOrder) {
            if (why == null) {
                basis = read;
                return AfterRead.APPLY;
            }
            if (basis == null || !basis.updatedAt().equals(read.updatedAt())) {
                return AfterRead.DROP;
            }
            return AfterRead.STORE;
        }
    }

    /**
     * Stores a switch: by {@code write} when nothing is unstored; else this switch ({@code edit}
     * of the {@code applied} state) and the unstored ones before it, over the state they were all
     * made on, and by {@code write} alone, dropping them, when the store took another switch since.
     * Throws what the store throws, and {@link AdminStateChanged} when {@code expect} does not match
     * the applied state, which holds the unstored switches the store does not have.
     */
    AdminState store(
            Optional<AdminExpectation> expect,
            UnaryOperator<AdminState> edit,
            Supplier<AdminState> write,
            Supplier<AdminState> applied) {
        if (why == null) {
            return write.get();
        }
        expect.ifPresent(e -> e.check(applied.get()));
        AdminState over;
        synchronized (applyOrder) {
            over = basis;
        }
        Optional<AdminState> taken =
                over == null ? Optional.empty() : store.storeIfUnchanged(edit.apply(applied.get()), over.updatedAt());
        if (taken.isPresent()) {
            return taken.get();
        }
        LOG.warn(DROPPED + "; this one is stored over it");
        return write.get();
    }

    /** The basis to store the unstored switches over; empty when none are unstored or the store never answered. */
    Optional<AdminState> basisToStoreOver() {
        synchronized (applyOrder) {
            return why == null ? Optional.empty() : Optional.ofNullable(basis);
        }
    }

    /**
     * Called by a poll once the store answers again: stores {@code wanted} (the applied state) over
     * {@code over} and gives {@code settle} what the store then holds, its own switch when it took
     * another since. A store that fails again keeps them for the next poll.
     */
    void storeOver(AdminState wanted, AdminState over, Consumer<AdminState> settle) {
        try {
            Optional<AdminState> taken = store.storeIfUnchanged(wanted, over.updatedAt());
            if (taken.isPresent()) {
                LOG.warn("switches made on this router while the admin state store did not answer are stored now");
                settle.accept(taken.get());
            } else {
                AdminState now = store.read();
                dropped(now);
                settle.accept(now);
            }
        } catch (RuntimeException e) {
            storeFailures.failed(e, wanted.summary(configuredPrimary));
        }
    }

    /** Says that the unstored switches give way to {@code now}, which the caller applies. */
    void dropped(AdminState now) {
        LOG.warn(
                DROPPED + " (mode {}, primary {}), which applies here now",
                now.mode().label(),
                now.primaryUrl().orElse(configuredPrimary));
    }

    /** Says why a switch the store did not take is applied anyway; the caller then {@link #kept} it. */
    String refused(RuntimeException e) {
        String text = "applied on this router only, not stored: the admin state store did not take it ("
                + e.getMessage() + "). Other routers do not have this switch, and a restart loses it; this"
                + " router stores it when the store answers again, unless a switch made through another"
                + " router is stored first, which then applies here too";
        LOG.error("admin switch {}", text, e);
        return text;
    }

    /** The applied state holds a switch the store did not take, for the reason {@link #refused} gave. */
    void kept(String refusal) {
        synchronized (applyOrder) {
            why = refusal;
        }
    }

    /** The store answered {@code fromStore} and the caller applies it: nothing is unstored now. */
    void settled(AdminState fromStore) {
        synchronized (applyOrder) {
            basis = fromStore;
            why = null;
        }
        // Stored, dropped or stored with a later switch: a failure to store the next ones starts a run of its own.
        storeFailures.succeeded();
    }
}
