package io.georeg.replicator.bench;

import io.georeg.testkit.db.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where a benchmark step's CPU went, from Linux's per-thread and per-process accounting
 * ({@code /proc/<pid>/task/<tid>/stat}, user + system, in clock ticks: {@code getconf CLK_TCK} a second, as scripts/bench/common.sh reads them): this JVM's
 * threads grouped by what they are (the JIT's compiler threads, the garbage collector's, the
 * JVM's other own threads, and the Java threads: the replicator, its HTTP client, the test
 * harness), the PostgreSQL backends serving one database, and the primary's process. Threads and
 * backends that ended between the two snapshots are counted in their process's total only (for
 * this JVM: in the Java threads, since the JVM's own threads live as long as it does).
 */
final class CpuAccount {
    /** One clock tick of /proc's accounting (USER_HZ: 100 a second on common kernels, not on every one). */
    private static final double TICK_SECONDS = 1.0 / ticksPerSecond();

    private static long ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            if (getconf.waitFor() != 0) {
                throw new IllegalStateException("getconf CLK_TCK failed: " + out);
            }
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(
                    "cannot read the clock tick rate with getconf CLK_TCK (Debian's libc-bin package has getconf): "
                            + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading getconf CLK_TCK", e);
        }
    }

    /** The groups of this JVM's threads, by the name Linux knows them by (15 characters at most). */
    static String group(String threadName) {
        if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return "JIT compiler threads";
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ") || threadName.startsWith("VM Thread")) {
            return "GC and VM operations (GC Thread, G1 *, VM Thread)";
        }
        if (threadName.startsWith("JFR ")
                || threadName.startsWith("JFR")
                || threadName.startsWith("VM Periodic")
                || threadName.startsWith("Service Thread")
                || threadName.startsWith("Monitor Deflati")
                || threadName.startsWith("Common-Cleaner")
                || threadName.startsWith("Signal Dispatch")
                || threadName.startsWith("Finalizer")
                || threadName.startsWith("Reference Handl")
                || threadName.startsWith("Notification Th")
                || threadName.startsWith("Attach Listener")) {
            return "other JVM threads (JFR, service, cleaner)";
        }
        return null; // a Java thread: counted as the process's rest
    }

    /** One snapshot: the JVM's total, its threads by group, the backends' and the primary's ticks. */
    record Snapshot(long jvm, Map<String, Long> jvmGroups, Map<Long, Long> backends, long primary) {}

    private final TestDatabase db;
    private final Supplier<Duration> primary;

    /** @param primary the primary's process's CPU time so far */
    CpuAccount(TestDatabase db, Supplier<Duration> primary) {
        this.db = db;
        this.primary = primary;
    }

    Snapshot snapshot() {
        long self = ProcessHandle.current().pid();
        Map<String, Long> groups = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                Stat stat = stat(task.resolve("stat"));
                String group = stat == null ? null : group(stat.name());
                if (group != null) {
                    groups.merge(group, stat.ticks(), Long::sum);
                }
            }
        } catch (IOException e) {
            // not Linux: nothing to attribute
        }
        Map<Long, Long> backends = new HashMap<>();
        for (long pid : backendPids()) {
            Stat stat = stat(Path.of("/proc", Long.toString(pid), "stat"));
            if (stat != null) {
                backends.put(pid, stat.ticks());
            }
        }
        Stat jvm = stat(Path.of("/proc", Long.toString(self), "stat"));
        return new Snapshot(
                jvm == null ? 0 : jvm.ticks(), groups, backends, primary.get().toMillis() / 10);
    }

    /** CPU seconds per line from {@code before} to {@code after}, in print order. */
    static Map<String, Double> between(Snapshot before, Snapshot after) {
        Map<String, Double> out = new LinkedHashMap<>();
        long jvm = after.jvm() - before.jvm();
        out.put("this JVM, all threads", jvm * TICK_SECONDS);
        long accounted = 0;
        for (String g : List.of(
                "JIT compiler threads",
                "GC and VM operations (GC Thread, G1 *, VM Thread)",
                "other JVM threads (JFR, service, cleaner)")) {
            long d = after.jvmGroups().getOrDefault(g, 0L) - before.jvmGroups().getOrDefault(g, 0L);
            accounted += d;
            out.put("  " + g, d * TICK_SECONDS);
        }
        out.put(
                "  Java threads (replicator, HTTP client, harness; ended threads too)",
                (jvm - accounted) * TICK_SECONDS);
        long backends = 0;
        for (Map.Entry<Long, Long> b : after.backends().entrySet()) {
            backends += b.getValue() - before.backends().getOrDefault(b.getKey(), 0L);
        }
        out.put("PostgreSQL backends of the replica's database (those alive at the end)", backends * TICK_SECONDS);
        out.put("the primary (distribution)", (after.primary() - before.primary()) * TICK_SECONDS);
        return out;
    }

    /** One line: {@code name s} for each entry. */
    static String describe(Map<String, Double> cpu) {
        List<String> parts = new ArrayList<>();
        cpu.forEach((k, v) -> parts.add("%s %.2f s".formatted(k.strip(), v)));
        return String.join("; ", parts);
    }

    private List<Long> backendPids() {
        List<Long> pids = new ArrayList<>();
        try (var c = db.connect();
                var s = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
                var rs = s.executeQuery()) {
            while (rs.next()) {
                pids.add(rs.getLong(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    private record Stat(String name, long ticks) {}

    /** A {@code stat} file's name (between the parentheses) and utime + stime; null when gone. */
    private static Stat stat(Path file) {
        String s;
        try {
            s = Files.readString(file);
        } catch (IOException e) {
            return null;
        }
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        String[] fields = s.substring(close + 2).split(" ");
        // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
        return new Stat(s.substring(open + 1, close), Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
    }
}
