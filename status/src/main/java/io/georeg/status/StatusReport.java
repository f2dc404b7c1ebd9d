package io.georeg.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Replication state at one moment, read from the tracking database by {@link StatusQuery}: what
 * {@code georeg status} prints ({@link StatusTable}, {@link StatusJson}) and what the status page
 * and {@code georeg drill}'s pre-checks can reuse.
 *
 * @param generatedAt the database's clock when the report was read
 * @param window how far back lag and bytes replicated look
 * @param queue rows of {@code replication_work} per state
 * @param oldestPending the oldest request not yet applied (pending or in progress), by its event time
 * @param lag lag of the items applied within the window
 * @param replicated what was stored within the window
 * @param lastReconcile what the database knows of reconcile runs
 * @param verification stored objects per verify state
 * @param failuresByReason failed items grouped by reason (digests masked, truncated), most frequent first
 * @param repositories per-repository state, when asked for (else empty)
 * @param outageShield each router's outage shield, as recently reported (token auth only)
 * @param primaries the queue per primary when the secondary serves several (else empty)
 * @param routers what the routers share through the database: their admin state and the
 *     primaries the replica is bound to
 */
public record StatusReport(
        Instant generatedAt,
        Duration window,
        Queue queue,
        Optional<Instant> oldestPending,
        Lag lag,
        Replicated replicated,
        Reconcile lastReconcile,
        Verification verification,
        List<FailureReason> failuresByReason,
        List<RepositoryStatus> repositories,
        OutageShield outageShield,
        List<PrimaryStatus> primaries,
        Routers routers) {

    /** Age of the oldest unapplied request at {@link #generatedAt}. */
    public Optional<Duration> oldestPendingAge() {
        return oldestPending.map(t -> Duration.between(t, generatedAt));
    }

    /** Work items per state. */
    public record Queue(long pending, long inProgress, long failed, long done) {}

    /**
     * Seconds from an item's first event to its application ({@code done_at - first_event_at}),
     * continuous percentiles ({@code percentile_cont}); empty when nothing was applied in the window.
     */
    public record Lag(long samples, Optional<Double> p50Seconds, Optional<Double> p99Seconds) {}

    /** Blob rows (layers, configs, manifests' storage copies) stored within the window, and their bytes. */
    public record Replicated(long blobs, long bytes) {}

    /**
     * The last recorded reconcile pass ({@code reconcile_runs}; empty before the first one) and
     * when reconcile last queued work ({@code replication_work.source = 'reconcile'}).
     */
    public record Reconcile(Optional<ReconcileRun> lastRun, Optional<Instant> lastQueuedWorkAt) {
        public boolean runsRecorded() {
            return lastRun.isPresent();
        }
    }

    /**
     * One finished reconcile pass.
     *
     * @param fullPass the primary's whole catalog rather than named repositories
     * @param queued work items queued (tag copies, tag deletes, referrers)
     * @param errors repositories that could not be crawled
     */
    public record ReconcileRun(
            Instant startedAt,
            Instant finishedAt,
            boolean fullPass,
            int repositories,
            int tagsChecked,
            int queued,
            int errors) {}

    /** Counts per {@code verify_state} (unverified, ok, failed, missing) of blobs and manifests. */
    public record Verification(Map<String, Long> blobs, Map<String, Long> manifests) {}

    /** One group of failed items. */
    public record FailureReason(String reason, long count, Instant lastFailedAt) {}

    /**
     * The outage shield of every router that reported within {@link StatusQuery#SHIELD_FRESH}
     * ({@code outage_shield_reports}): routers report it only with {@code auth.token}, so no
     * router means token auth is off or no router is running.
     */
    public record OutageShield(List<RouterShield> routers) {
        public static OutageShield none() {
            return new OutageShield(List.of());
        }

        /** Some router can issue outage tokens. */
        public boolean armed() {
            return routers.stream().anyMatch(RouterShield::armed);
        }

        /** Some router is answering token requests itself. */
        public boolean inUse() {
            return routers.stream().anyMatch(RouterShield::inUse);
        }

        /** One line for people, e.g. "armed on 2 of 2 router(s), not in use". */
        public String describe() {
            if (routers.isEmpty()) {
                return "no router reports one (token auth off, or no router running)";
            }
            long armed = routers.stream().filter(RouterShield::armed).count();
            long inUse = routers.stream().filter(RouterShield::inUse).count();
            return (armed == 0 ? "NOT ARMED" : "armed") + " on " + armed + " of " + routers.size() + " router(s), "
                    + (inUse == 0 ? "not in use" : "IN USE on " + inUse + " (answering token requests itself)");
        }
    }

    /**
     * One router's shield.
     *
     * @param router        the router ({@code host:port} of its public listener)
     * @param siteKeyLoaded {@code auth.outage} has a signing key loaded on it
     * @param inUse         it answers token requests itself (token service unreachable, or
     *                      {@code primary-down} mode)
     * @param grants        pull grants within {@code auth.outage.grantWindow}, as it last counted
     */
    public record RouterShield(String router, boolean siteKeyLoaded, boolean inUse, long grants, Instant reportedAt) {
        /** Outage tokens can be issued: the site key is loaded and grants are held. */
        public boolean armed() {
            return siteKeyLoaded && grants > 0;
        }

        /** One line for people. */
        public String describe() {
            return (armed() ? "armed" : "not armed") + ": site key " + (siteKeyLoaded ? "loaded" : "not loaded")
                    + ", " + grants + " grant(s); " + (inUse ? "in use" : "not in use") + " (reported " + reportedAt
                    + ")";
        }
    }

    /**
     * What every router of the site reads from the tracking database: the admin state
     * ({@code router_admin_state}, switched by {@code georeg drill} and {@code georeg promote}) and
     * the primaries the replica describes ({@code replica_primaries}), whose pulls the routers answer
     * from the replica only while it is bound to them and caught up.
     *
     * @param mode       {@code normal}, {@code primary-down} or {@code frozen}
     * @param primaryUrl the primary a promotion switched the routers to; empty: each router's
     *                   configured {@code router.primaryUrl}
     * @param since      when the admin state was last switched (before any switch: when migration V4
     *                   made it); empty for a database without it
     */
    public record Routers(
            String mode, String reason, Optional<String> primaryUrl, Optional<Instant> since, List<Binding> bindings) {
        /** What the replica is bound to while {@link #bindings} is empty, for people. */
        public static final String NOT_BOUND = "no primary yet (bound when a replicator starts)";

        /** One line for people: the mode, its reason, where writes go and since when. */
        public String describe() {
            return "mode " + mode + (reason.isBlank() ? "" : " (" + reason + ")") + ", primary "
                    + primaryUrl.map(u -> "switched to " + u).orElse("as configured (router.primaryUrl)")
                    + since.map(t -> ", since " + t).orElse("");
        }
    }

    /**
     * One primary the replica is bound to.
     *
     * @param catchingUpSince when the replica began catching up with it (a new binding, before a
     *                        full reconcile pass over it); empty: caught up
     */
    public record Binding(String name, String url, Instant boundAt, Optional<Instant> catchingUpSince) {
        /** One line for people, as {@code georeg status} prints it: a binding catching up in capitals. */
        public String describe() {
            return describe(Instant::toString, true);
        }

        /**
         * The binding in words, the one wording of {@code georeg status} and the status page:
         * {@code time} writes an instant, and {@code capitals} a binding still catching up in
         * capitals, as a text table marks what needs attention (the page marks its row instead).
         */
        public String describe(Function<Instant, String> time, boolean capitals) {
            return url + ": "
                    + catchingUpSince
                            .map(t -> (capitals ? "CATCHING UP" : "catching up") + " since " + time.apply(t)
                                    + " (bound " + time.apply(boundAt) + ") (its pulls are answered by the primary)")
                            .orElse("caught up (bound " + time.apply(boundAt) + ")");
        }
    }

    /** One repository's queue and stored content. */
    public record RepositoryStatus(
            String name,
            Queue queue,
            Optional<Instant> oldestPending,
            Optional<Instant> lastAppliedAt,
            long manifests,
            long tags,
            long blobs,
            long manifestsNotOk) {}

    /**
     * One primary's share of the queue, when the secondary serves several: the items of the
     * repositories it owns.
     *
     * @param name the primary's name ({@code primaries[].name}), or {@code (none)} for items of
     *     repositories no primary owns
     * @param applied items of its repositories applied within the window
     */
    public record PrimaryStatus(String name, Queue queue, Optional<Instant> oldestPending, long applied) {
        /** Age of this primary's oldest unapplied request at {@code now}. */
        public Optional<Duration> oldestPendingAge(Instant now) {
            return oldestPending.map(t -> Duration.between(t, now));
        }
    }
}
