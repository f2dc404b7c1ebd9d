package io.georeg.app.history;

import static org.awaitility.Awaitility.await;

import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.history.History;
import io.georeg.testkit.history.HistoryChecker;
import io.georeg.testkit.history.Op;
import io.georeg.testkit.history.Violation;
import io.georeg.testkit.oci.RegistryHttp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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

    /**
     * The groups of keys the figures and assertions speak of: the shared tags (pushes and
     * overwrites racing from every client, read by current and old clients), the owned tags
     * (pushes, overwrites and manifest deletes), manifests by digest (pushes and deletes), blobs
     * (uploads and deletes) and referrers lists (artifacts pushed with a subject).
     */
    static final List<String> GROUPS =
            List.of("tag:" + HistoryWorkload.SHARED, "tag:" + HistoryWorkload.OWNED, "manifest", "blob", "referrers");

    /** What a run did and found. */
    record Result(List<Op> ops, List<Violation> violations, List<Violation> diverged, Duration duration, int clients) {
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
        await("replication queue drained")
                .atMost(QUIESCENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> pendingWork(db) == 0);
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
            return new Result(ops, HistoryChecker.check(judged), diverged, workload.duration(), workload.clients());
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

    private static long pendingWork(TestDatabase db) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')")) {
            rs.next();
            return rs.getLong(1);
        }
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
