package io.georeg.router.admin;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.Upstream;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This router's live view of the admin state: the mode (the {@code primary-down} drill forces the
 * primary's {@link CircuitBreaker} open, so every path that honours an open circuit honours the
 * drill) and the primary {@link Upstream} writes, token requests and fallbacks go to (the
 * configured one until a promotion switches it). Polls its {@link AdminStateStore} every
 * {@code pollInterval}, so a switch made through any router instance reaches all of them.
 * Created and started by {@code Router}; read by its dispatcher on every request.
 */
public final class SiteControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SiteControl.class);

    private final URI configuredPrimary;
    private final AdminStateStore store;
    private final CircuitBreaker primaryCircuit;
    private final Duration pollInterval;
    private final Consumer<URI> onPrimaryChange;
    /**
     * Held from each read or write of the store until what it returned is applied: a poll that read
     * the state before an operator's switch must not apply it after the switch (it would undo a
     * drill's restore or a promotion until the next poll).
     */
    private final Object storeOrder = new Object();

    private volatile AdminState state = AdminState.initial();
    private volatile Upstream primary;
    private ScheduledExecutorService poller;

    /** @param onPrimaryChange told the new primary URL after a switch (the router probes it at once) */
    public SiteControl(
            URI configuredPrimary,
            AdminStateStore store,
            CircuitBreaker primaryCircuit,
            Duration pollInterval,
            Consumer<URI> onPrimaryChange) {
        this.configuredPrimary = Objects.requireNonNull(configuredPrimary, "configuredPrimary");
        this.store = Objects.requireNonNull(store, "store");
        this.primaryCircuit = primaryCircuit;
        this.pollInterval = pollInterval;
        this.onPrimaryChange = onPrimaryChange;
        this.primary = upstream(configuredPrimary);
    }

    /** Reads the stored state now, then polls it. */
    public synchronized void start() {
        if (poller != null) {
            return;
        }
        refresh();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "router-admin-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(
                this::refresh, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads the store and applies what it says; a failed read keeps the last known state. */
    public void refresh() {
        synchronized (storeOrder) {
            try {
                apply(store.read());
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot read the router admin state, keeping mode {} and primary {}",
                        state.mode().label(),
                        primaryUrl(),
                        e);
            }
        }
    }

    /** Sets the mode in the store and applies it here at once. */
    public AdminState setMode(RouterMode mode, String reason) {
        synchronized (storeOrder) {
            AdminState next = store.setMode(mode, reason);
            apply(next);
            return next;
        }
    }

    /** Sets the primary in the store ({@code url} empty: the configured one) and applies it here at once. */
    public AdminState setPrimary(Optional<URI> url) {
        synchronized (storeOrder) {
            AdminState next = store.setPrimary(url);
            apply(next);
            return next;
        }
    }

    /** Applies a state just read from or written to the store; called holding {@link #storeOrder}. */
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
            primary = upstream(url);
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

    public CircuitBreaker primaryCircuit() {
        return primaryCircuit;
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            try {
                if (!poller.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("router admin poll did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            poller = null;
        }
    }

    private static Upstream upstream(URI url) {
        return new Upstream("primary", "the primary site's registry (" + url + ")", url);
    }
}
