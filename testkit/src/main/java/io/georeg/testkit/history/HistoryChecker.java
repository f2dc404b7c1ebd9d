package io.georeg.testkit.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a recorded {@link History} the way Jepsen's register checkers do, for the one property
 * georeg promises its clients: <em>no read returns a state older than a write that completed
 * before the read began</em>. Values are unique per write (every push is a new digest), so the
 * write that produced a read's value is known:
 *
 * <ul>
 *   <li>register keys: a read of value {@code v} is explained by any write whose value (as the
 *       read's {@code Accept} class sees it) is {@code v} and that was invoked before the read
 *       completed, and {@link Op#ABSENT} also by the initial state. The read is <b>stale</b> when a
 *       write {@code w} of another value completed before the read began and every explaining write
 *       completed before {@code w} was invoked: {@code v} was overwritten, for sure, before the read
 *       began. No explaining write at all is an <b>unknown value</b>. A write of unknown outcome
 *       can explain a read but never forces one (it may never have happened);</li>
 *   <li>set keys (referrers): a read must hold every member whose add completed before it began,
 *       and no member nobody had begun to add.</li>
 * </ul>
 *
 * <p>{@link #diverged} compares the replica's and the primary's values after quiescence. Pure;
 * the history is only read.
 */
public final class HistoryChecker {
    private static final Op INITIAL =
            Op.write(-1, "", Op.ABSENT, Map.of(), Long.MIN_VALUE, Long.MIN_VALUE, Op.Outcome.OK);

    private HistoryChecker() {}

    /** Every violation in the history, per key in key order, reads in completion order. */
    public static List<Violation> check(List<Op> ops) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : ops) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<Violation> violations = new ArrayList<>();
        byKey.forEach((key, keyOps) -> {
            List<Op> writes = keyOps.stream()
                    .filter(o -> o.type() == Op.Type.WRITE && o.outcome() != Op.Outcome.FAILED)
                    .toList();
            List<Op> adds = keyOps.stream()
                    .filter(o -> o.type() == Op.Type.ADD && o.outcome() != Op.Outcome.FAILED)
                    .toList();
            keyOps.stream()
                    .filter(o -> o.outcome() == Op.Outcome.OK)
                    .sorted((a, b) -> Long.compare(a.completed(), b.completed()))
                    .forEach(op -> {
                        if (op.type() == Op.Type.READ) {
                            checkRead(key, op, writes, violations);
                        } else if (op.type() == Op.Type.READ_SET) {
                            checkSetRead(key, op, adds, violations);
                        }
                    });
        });
        return violations;
    }

    private static void checkRead(String key, Op read, List<Op> writes, List<Violation> out) {
        String seen = read.value();
        List<Op> explaining = new ArrayList<>();
        if (Op.ABSENT.equals(seen)) {
            explaining.add(INITIAL);
        }
        for (Op w : writes) {
            if (seen.equals(w.seenBy(read.acceptClass())) && w.invoked() < read.completed()) {
                explaining.add(w);
            }
        }
        if (explaining.isEmpty()) {
            out.add(new Violation(
                    Violation.Kind.UNKNOWN_VALUE,
                    key,
                    read,
                    null,
                    "read " + seen + ", which no write begun before the read ended produced"));
            return;
        }
        Op latestForcing = null;
        for (Op w : writes) {
            if (w.outcome() != Op.Outcome.OK
                    || w.completed() >= read.invoked()
                    || seen.equals(w.seenBy(read.acceptClass()))) {
                continue;
            }
            boolean overwritten = explaining.stream().allMatch(e -> finishedBy(e) < w.invoked());
            if (overwritten && (latestForcing == null || w.completed() > latestForcing.completed())) {
                latestForcing = w;
            }
        }
        if (latestForcing != null) {
            out.add(new Violation(
                    Violation.Kind.STALE_READ,
                    key,
                    read,
                    latestForcing,
                    "read " + seen + " after a write of " + latestForcing.seenBy(read.acceptClass())
                            + " had completed"));
        }
    }

    /** When a write had certainly taken effect: its completion, or never for one of unknown outcome. */
    private static long finishedBy(Op write) {
        return write.outcome() == Op.Outcome.OK ? write.completed() : Long.MAX_VALUE;
    }

    private static void checkSetRead(String key, Op read, List<Op> adds, List<Violation> out) {
        for (Op add : adds) {
            if (add.outcome() == Op.Outcome.OK
                    && add.completed() < read.invoked()
                    && !read.members().contains(add.value())) {
                out.add(new Violation(
                        Violation.Kind.MISSING_MEMBER,
                        key,
                        read,
                        add,
                        "lacks " + add.value() + ", added before the read began"));
            }
        }
        for (String member : new TreeSet<>(read.members())) {
            boolean begun = adds.stream().anyMatch(a -> a.value().equals(member) && a.invoked() < read.completed());
            if (!begun) {
                out.add(new Violation(
                        Violation.Kind.PHANTOM_MEMBER, key, read, null, "holds " + member + ", which nobody added"));
            }
        }
    }

    /**
     * After quiescence: every key whose replica value differs from the primary's (a key missing
     * from one side counts as {@link Op#ABSENT} there).
     */
    public static List<Violation> diverged(Map<String, String> primary, Map<String, String> replica) {
        Map<String, String> all = new TreeMap<>(primary);
        replica.keySet().forEach(k -> all.putIfAbsent(k, Op.ABSENT));
        List<Violation> out = new ArrayList<>();
        for (String key : all.keySet()) {
            String p = primary.getOrDefault(key, Op.ABSENT);
            String r = replica.getOrDefault(key, Op.ABSENT);
            if (!Objects.equals(p, r)) {
                out.add(new Violation(
                        Violation.Kind.DIVERGED, key, null, null, "primary has " + p + ", replica has " + r));
            }
        }
        return out;
    }

    /** Violations per key kind ({@code tag}, {@code manifest}, …), for the figures. */
    public static Map<String, Integer> countByKeyKind(List<Violation> violations) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Violation v : violations) {
            int colon = v.key().indexOf(':');
            counts.merge(colon < 0 ? v.key() : v.key().substring(0, colon), 1, Integer::sum);
        }
        return counts;
    }
}
