package io.georeg.router.admin;

import io.georeg.ops.PeriodicJob;
import io.georeg.replica.ReplicaPrimaries;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the replica may answer a primary's pulls: only while the tracking database is bound to
 * that primary ({@code replica_primaries}, which the replicator binds, and {@code georeg primaries
 * --adopt} rebinds) and has caught up with it. The router's configuration cannot say it: after
 * {@code georeg promote}, an operator who then sets {@code router.primaryUrl} to the new primary
 * makes the configured and the applied primary equal, while the tracking database still describes
 * the old one (its replicator stopped by the runbook, or refused by the binding). The binding is
 * what the replica holds, in every deployment shape: {@code georeg serve} with every component, the
 * chart's router beside its own replicator, cells with several primaries (one row per primary name)
 * all share the one tracking database the router already reads its admin state from.
 *
 * <p>Polled every {@code router.admin.pollInterval} (a promotion's switch reaches the routers at that
 * pace too) and worked out again when {@link SiteControl} switches the primary. The read leg asks
 * {@link #bypass} on every pull, without a lock. Built and started by {@code Router}.
 */
public final class ReplicaBinding implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaBinding.class);

    /** A bound primary as the tracking database stores it: its normalized URL, and whether the replica has caught up with it. */
    public record Bound(String url, boolean caughtUp) {}

    /**
     * One primary the router sends pulls for.
     *
     * @param name     its name in the binding ({@code primary}, or its {@code primaries[].name})
     * @param current  where the router sends its writes now
     * @param switched whether that is another registry than the configured one (an admin switch)
     */
    public record Leg(String name, Supplier<URI> current, BooleanSupplier switched) {}

    private final Supplier<Map<String, Bound>> reader;
    private final List<Leg> legs;
    private final PeriodicJob poll;
    private final Duration interval;
    /** The last binding read; empty until the first read answers. */
    private volatile Optional<Map<String, Bound>> lastRead;
    /** Why each bypassed primary's pulls go to the primary; a primary absent here is served by the replica. */
    private volatile Map<String, String> bypassed = Map.of();
    /** Whether what the binding says was logged once (guarded by this): later only its changes are. */
    private boolean announced;

    private ReplicaBinding(Supplier<Map<String, Bound>> reader, List<Leg> legs, Duration interval) {
        this.reader = reader;
        this.legs = List.copyOf(legs);
        this.interval = interval;
        this.lastRead = reader == null ? Optional.of(Map.of()) : Optional.empty();
        this.poll = reader == null
                ? null
                : new PeriodicJob(
                        "router-replica-binding",
                        interval,
                        LOG,
                        "reading the replica's primary binding failed; keeping the last answer, next read in {}",
                        this::poll);
        recompute();
    }

    /**
     * The binding in the tracking database, read every {@code interval} through the admin state's
     * store, bounded as its reads are ({@code router.admin.storeTimeout}).
     */
    public static ReplicaBinding of(DatabaseAdminStateStore store, List<Leg> legs, Duration interval) {
        Objects.requireNonNull(store, "store");
        return new ReplicaBinding(() -> store.boundedRead(ReplicaBinding::read), legs, interval);
    }

    /**
     * A router without a tracking database (tests, a router on its own): no binding to read, so
     * the rule before the binding holds, the replica serving the configured primary's pulls only.
     */
    public static ReplicaBinding none(List<Leg> legs) {
        return new ReplicaBinding(null, legs, Duration.ZERO);
    }

    /** For tests: the binding {@code reader} answers, read when {@link #refresh()} is called. */
    static ReplicaBinding readBy(Supplier<Map<String, Bound>> reader, List<Leg> legs) {
        return new ReplicaBinding(reader, legs, Duration.ofDays(1));
    }

    /**
     * Reads the binding now, then polls it. A first read that fails does not stop the router: its
     * pulls go to the primary until a read answers ({@link #verdict}).
     */
    public ReplicaBinding start() {
        if (poll != null) {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot read the replica's primary binding at start, pulls go to the primary until it is read: {}",
                        e.toString());
            }
            poll.start(interval);
        }
        return this;
    }

    /** One poll: a read that fails keeps the last answer (and, before the first one, the primary answers). */
    public void refresh() {
        lastRead = Optional.of(reader.get());
        recompute();
    }

    /**
     * A poll: a database that does not answer is logged by the admin poll and the backend watch
     * already, once a second here would drown them; what was known stays.
     */
    private void poll() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.debug("replica binding read failed, keeping the last answer: {}", e.toString());
        }
    }

    /** Works the answers out again: after each read, and when a primary was switched. */
    public synchronized void recompute() {
        Map<String, String> next = new LinkedHashMap<>();
        for (Leg leg : legs) {
            verdict(lastRead, leg.name(), leg.current().get(), leg.switched().getAsBoolean())
                    .ifPresent(why -> next.put(leg.name(), why));
        }
        Map<String, String> before = bypassed;
        bypassed = Map.copyOf(next);
        if (lastRead.isEmpty()) {
            // Nothing known yet: the first read says what holds (a failed one is logged by start()).
            return;
        }
        boolean first = !announced;
        announced = true;
        for (Leg leg : legs) {
            String was = first ? null : before.get(leg.name());
            String now = next.get(leg.name());
            if (now != null && !now.equals(was)) {
                LOG.warn("pulls of primary '{}' are answered by the primary, not the replica: {}", leg.name(), now);
            } else if (now == null && was != null) {
                LOG.info(
                        "pulls of primary '{}' are answered by the replica again: the tracking database replicates {}",
                        leg.name(),
                        leg.current().get());
            }
        }
    }

    /** Why pulls of the primary {@code name} must not be answered by the replica now; empty when they may be. */
    public Optional<String> bypass(String name) {
        return Optional.ofNullable(bypassed.get(name));
    }

    /** Every primary by name: whether its pulls bypass the replica now (the metric, the readiness report). */
    public Map<String, Boolean> bypassedByPrimary() {
        Map<String, String> now = bypassed;
        Map<String, Boolean> out = new LinkedHashMap<>();
        legs.forEach(l -> out.put(l.name(), now.containsKey(l.name())));
        return out;
    }

    /**
     * The rule, a pure function. Before the first read the primary answers: the replica is only
     * as good as the primary it replicates, which is not known yet, and the primary is current (a
     * router that cannot read the tracking database cannot read the replica either: its reads would
     * fall back to the primary anyway). An unbound database (no replicator of a release with the
     * binding has started on it yet: an upgrade in progress, or nothing replicated) keeps the rule
     * before the binding: the replica stands for the configured primary. Otherwise the replica
     * answers only the primary it is bound to, once caught up with it.
     */
    static Optional<String> verdict(Optional<Map<String, Bound>> read, String name, URI current, boolean switched) {
        if (read.isEmpty()) {
            return Optional.of("the tracking database's primary binding (replica_primaries) has not been read yet");
        }
        Map<String, Bound> bound = read.get();
        if (bound.isEmpty()) {
            return switched
                    ? Optional.of(
                            "the primary was switched to " + current
                                    + " and the tracking database is bound to no primary: its replica holds the configured one's")
                    : Optional.empty();
        }
        Bound b = bound.get(name);
        if (b == null) {
            return Optional.of("the tracking database replicates no primary named '" + name + "' (it replicates "
                    + String.join(", ", bound.keySet()) + ")");
        }
        String url = ReplicaPrimaries.normalize(current);
        if (!b.url().equals(url)) {
            return Optional.of("the tracking database replicates " + b.url() + ", not " + url
                    + " (after a promotion: `georeg primaries --adopt` with the new primary, then run its replicator)");
        }
        if (!b.caughtUp()) {
            return Optional.of("the replica is catching up with " + url + " since `georeg primaries --adopt`"
                    + " (until a full reconcile pass without errors has been applied)");
        }
        return Optional.empty();
    }

    private static Map<String, Bound> read(java.sql.Connection c) throws java.sql.SQLException {
        Map<String, Bound> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(ReplicaPrimaries.READ);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new Bound(rs.getString(2), rs.getBoolean(3)));
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (poll != null) {
            poll.close();
        }
    }
}
