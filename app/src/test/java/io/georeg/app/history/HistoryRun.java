package io.georeg.app.history;

import static org.awaitility.Awaitility.await;

import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.history.History;
import io.georeg.testkit.history.HistoryChecker;
import io.georeg.testkit.history.Op;
import io.georeg.testkit.history.Violation;
import io.georeg.testkit.oci.RegistryHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One history run end to end: the sites ({@link HistorySites}), the clients for the given time
 * ({@link HistoryWorkload}), then quiescence (the replicator's queue drained), the tags of the
 * primary and of the replica read straight from each, and the checker over the whole history.
 * Used by {@code HistoryCheckIT} (a short run in the suite) and {@code HistoryCheckLongRun}
 * ({@code scripts/check-history}).
 */
final class HistoryRun {
    private static final Duration QUIESCENCE = Duration.ofSeconds(90);
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(15);

    /**
     * The groups of keys the figures and assertions speak of: the shared tags (pushes and
     * overwrites racing from every client, read by current and old clients), the owned tags
     * (pushes, overwrites and manifest deletes), manifests by digest (pushes and deletes), blobs
     * (uploads and deletes) and referrers lists (artifacts pushed with a subject).
     */
    static final List<String> GROUPS =
            List.of("tag:" + HistoryWorkload.SHARED, "tag:" + HistoryWorkload.OWNED, "manifest", "blob", "referrers");

    /** What a run did and found. */
    /**
     * @param drained         how long after the clients stopped the replication queue was first empty
     * @param eventsAfterStop notifications that reached the intake after the clients stopped
     */
    record Result(
            List<Op> ops,
            List<Violation> violations,
            List<Violation> diverged,
            Duration duration,
            int clients,
            Duration drained,
            long eventsAfterStop) {
        /** Violations of reads of keys in the given groups (see {@link HistoryRun#GROUPS}). */
        List<Violation> violationsIn(List<String> groups) {
            return violations.stream()
                    .filter(v -> groups.contains(groupOf(v.key())))
                    .toList();
        }

        /**
         * The violations whose read went through a different router than the write it missed: those
         * depend on how fast a fence reaches the other routers.
         */
        static List<Violation> acrossRouters(List<Violation> violations) {
            return violations.stream()
                    .filter(v -> v.write() != null && !router(v.read()).equals(router(v.write())))
                    .toList();
        }

        private static String router(Op op) {
            int at = op.source().lastIndexOf('@');
            return at < 0 ? "" : op.source().substring(at + 1);
        }

        /** The figures, one per line, for the log and the docs. */
        String figures() {
            Map<String, Long> byType = ops.stream()
                    .collect(Collectors.groupingBy(
                            o -> o.type() + "/" + o.keyKind(), TreeMap::new, Collectors.counting()));
            List<Op> reads = ops.stream()
                    .filter(o -> o.type() == Op.Type.READ || o.type() == Op.Type.READ_SET)
                    .toList();
            Map<String, Long> bySource = reads.stream()
                    .filter(o -> o.outcome() == Op.Outcome.OK)
                    .collect(Collectors.groupingBy(
                            o -> o.source().replaceAll("@.*", ""), TreeMap::new, Collectors.counting()));
            Map<String, Long> byAccept = reads.stream()
                    .filter(o -> o.type() == Op.Type.READ && o.keyKind().equals("tag"))
                    .collect(Collectors.groupingBy(Op::acceptClass, TreeMap::new, Collectors.counting()));
            Map<String, Long> writes = ops.stream()
                    .filter(o -> o.type() == Op.Type.WRITE)
                    .collect(Collectors.groupingBy(
                            o -> o.keyKind() + (Op.ABSENT.equals(o.value()) ? " delete" : " push"),
                            TreeMap::new,
                            Collectors.counting()));
            Map<String, Long> byOutcome = ops.stream()
                    .collect(Collectors.groupingBy(
                            o -> o.type() + " " + o.outcome(), TreeMap::new, Collectors.counting()));
            Map<String, Integer> violationsByGroup = new LinkedHashMap<>();
            for (String group : GROUPS) {
                violationsByGroup.put(group, violationsIn(List.of(group)).size());
            }
            return String.join(
                    "\n",
                    "history: " + clients + " clients on 2 routers for " + duration.toSeconds() + " s, " + ops.size()
                            + " operations",
                    "operations by type/key kind: " + byType,
                    "writes: " + writes,
                    "outcomes: " + byOutcome,
                    "reads, by who served them (X-Georeg-Source; -possibly-stale: marked so while the router took the"
                            + " primary as down, not judged): " + bySource,
                    "tag reads by Accept class: " + byAccept,
                    "violations by key group: " + violationsByGroup,
                    "of which the read went through another router than the write: "
                            + acrossRouters(violations).size(),
                    "violation kinds: "
                            + violations.stream()
                                    .collect(Collectors.groupingBy(
                                            v -> v.kind().name(), TreeMap::new, Collectors.counting())),
                    "after the clients stopped: " + eventsAfterStop + " notifications still arrived (the primary's"
                            + " send queue), the replication queue drained in " + drained.toMillis() + " ms",
                    "tags diverged after quiescence: " + diverged.size());
        }
    }

    private HistoryRun() {}

    /** Runs {@code clients} for {@code duration}, each making at least {@code minSteps} operations (see {@link HistoryWorkload.Config}). */
    static Result run(TestDatabase db, Path dir, int clients, Duration duration, long seed, int minSteps)
            throws Exception {
        try (HistorySites sites = new HistorySites(db, dir)) {
            HistoryWorkload workload =
                    new HistoryWorkload(new HistoryWorkload.Config(sites.routers(), clients, duration, seed, minSteps));
            return judge(db, sites, workload, workload.run());
        }
    }

    /**
     * After a workload's clients stopped: quiescence (the queue drained, the replica's tags equal to
     * the primary's, or the time-out), then the checker over the history.
     */
    static Result judge(TestDatabase db, HistorySites sites, HistoryWorkload workload, History history)
            throws Exception {
        long stopped = System.nanoTime();
        String stoppedAt = db.queryText("SELECT now()::text");
        awaitDrained(db);
        Duration drained = Duration.ofNanos(System.nanoTime() - stopped);
        long eventsAfterStop = eventsSince(db, stoppedAt);
        List<String> keys = workload.tagKeys();
        try (RegistryHttp primary = new RegistryHttp(sites.primary.url());
                RegistryHttp replica = new RegistryHttp(sites.replica())) {
            // The queue is empty once the last event is applied; a notification still in
            // distribution's send queue arrives a moment later, so converge, then compare.
            try {
                await("replica tags equal the primary's")
                        .atMost(QUIESCENCE)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> HistoryChecker.diverged(tags(primary, keys), tags(replica, keys))
                                        .isEmpty()
                                && pendingWork(db) == 0);
            } catch (ConditionTimeoutException e) {
                // Reported below as divergence, with the keys, rather than as a time-out.
            }
            List<Violation> diverged = HistoryChecker.diverged(tags(primary, keys), tags(replica, keys));
            List<Op> ops = history.ops();
            // A read the router marked possibly stale was answered while it took the primary as
            // down (its health checks failed): outside the guarantee, so not judged.
            List<Op> judged = ops.stream()
                    .filter(o -> !o.source().contains(HistoryWorkload.POSSIBLY_STALE))
                    .toList();
            return new Result(
                    ops,
                    HistoryChecker.check(judged),
                    diverged,
                    workload.duration(),
                    workload.clients(),
                    drained,
                    eventsAfterStop);
        }
    }

    /** Each tag key's digest as {@code registry} answers a HEAD with every manifest type in Accept, or absent. */
    private static Map<String, String> tags(RegistryHttp registry, List<String> keys) {
        Map<String, String> out = new TreeMap<>();
        for (String key : keys) {
            String rest = key.substring("tag:".length());
            int colon = rest.lastIndexOf(':');
            RegistryHttp.Answer head =
                    registry.headManifest(rest.substring(0, colon), rest.substring(colon + 1), RegistryHttp.ACCEPT_ALL);
            if (head.status() == 200) {
                out.put(key, head.digest().orElseThrow().toString());
            } else if (head.status() != 404) {
                throw new IllegalStateException("HEAD " + key + " at " + registry.base() + ": " + head.status());
            }
        }
        return out;
    }

    /**
     * Waits for the replication queue to be empty. distribution sends its notifications one at a
     * time, so after a heavy run its send queue still holds events when the clients stop (a long
     * run on a loaded machine: minutes of them); while they keep arriving, or the queue keeps
     * moving, the wait goes on, up to {@link #DRAIN_LIMIT}. Without progress for
     * {@link #QUIESCENCE} it fails.
     */
    private static void awaitDrained(TestDatabase db) {
        String[] progress = {""};
        long[] progressAt = {System.nanoTime()};
        await("replication queue drained")
                .atMost(DRAIN_LIMIT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (pendingWork(db) == 0) {
                        return true;
                    }
                    String now = queueProgress(db);
                    if (!now.equals(progress[0])) {
                        progress[0] = now;
                        progressAt[0] = System.nanoTime();
                    } else if (System.nanoTime() - progressAt[0] > QUIESCENCE.toNanos()) {
                        throw new AssertionError("the replication queue made no progress for " + QUIESCENCE
                                + " with work pending (last event, last change of a work row: " + now + ")");
                    }
                    return false;
                });
    }

    /** The newest event received and the newest change of a work row: any change is progress. */
    private static String queueProgress(TestDatabase db) {
        return db.queryText("SELECT coalesce((SELECT max(received_at) FROM replication_event)::text, '') || ' '"
                + " || coalesce((SELECT max(updated_at) FROM replication_work)::text, '')");
    }

    /** Events the intake stored after {@code since} (the database's clock, as {@code now()::text}). */
    private static long eventsSince(TestDatabase db, String since) {
        return db.queryLong("SELECT count(*) FROM replication_event WHERE received_at > '" + since + "'::timestamptz");
    }

    private static long pendingWork(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')");
    }

    /** The {@link #GROUPS} entry a key belongs to. */
    static String groupOf(String key) {
        for (String group : GROUPS) {
            if (key.startsWith(group + ":")) {
                return group;
            }
        }
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon);
    }

    /** Up to {@code perGroup} violations of each group, for the log. */
    static List<Violation> sample(List<Violation> violations, int perGroup) {
        Map<String, Integer> seen = new LinkedHashMap<>();
        return violations.stream()
                .filter(v -> seen.merge(groupOf(v.key()), 1, Integer::sum) <= perGroup)
                .toList();
    }
}
