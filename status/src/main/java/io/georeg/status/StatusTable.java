package io.georeg.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code georeg status} without {@code --json}: the report as text tables for people. */
final class StatusTable {
    private StatusTable() {}

    public static String render(StatusReport report, boolean withRepositories) {
        StringBuilder out = new StringBuilder();
        String window = duration(report.window());
        out.append("georeg replication status at ")
                .append(report.generatedAt())
                .append('\n')
                .append('\n');

        StatusReport.Queue q = report.queue();
        new TextTable()
                .row("QUEUE", "PENDING", "IN PROGRESS", "FAILED", "DONE")
                .row(
                        "",
                        Long.toString(q.pending()),
                        Long.toString(q.inProgress()),
                        Long.toString(q.failed()),
                        Long.toString(q.done()))
                .appendTo(out, "");
        out.append('\n');

        if (!report.primaries().isEmpty()) {
            TextTable primaries = new TextTable()
                    .row(
                            "PRIMARY",
                            "PENDING",
                            "IN PROGRESS",
                            "FAILED",
                            "DONE",
                            "OLDEST PENDING",
                            "APPLIED (" + window + ")");
            for (StatusReport.PrimaryStatus p : report.primaries()) {
                primaries.row(
                        p.name(),
                        Long.toString(p.queue().pending()),
                        Long.toString(p.queue().inProgress()),
                        Long.toString(p.queue().failed()),
                        Long.toString(p.queue().done()),
                        p.oldestPendingAge(report.generatedAt())
                                .map(StatusTable::duration)
                                .orElse("-"),
                        Long.toString(p.applied()));
            }
            primaries.appendTo(out, "");
            out.append('\n');
        }

        StatusReport.Lag lag = report.lag();
        TextTable summary = new TextTable()
                .row(
                        "oldest pending",
                        report.oldestPending()
                                .map(since ->
                                        duration(report.oldestPendingAge().orElseThrow()) + " (since " + since + ")")
                                .orElse("none"))
                .row(
                        "lag (last " + window + ")",
                        lag.samples() == 0
                                ? "no items applied"
                                : "p50 " + seconds(lag.p50Seconds()) + "  p99 " + seconds(lag.p99Seconds()) + "  ("
                                        + lag.samples() + " items)")
                .row(
                        "replicated (last " + window + ")",
                        report.replicated().blobs() + " blobs, "
                                + bytes(report.replicated().bytes()))
                .row(
                        "last reconcile",
                        report.lastReconcile()
                                .lastRun()
                                .map(StatusTable::reconcileRun)
                                .orElse("never recorded"
                                        + report.lastReconcile()
                                                .lastQueuedWorkAt()
                                                .map(t -> " (reconcile last queued work at " + t + ")")
                                                .orElse("")))
                .row("verified blobs", states(report.verification().blobs()))
                .row("verified manifests", states(report.verification().manifests()))
                .row("outage shield", report.outageShield().describe());
        for (StatusReport.RouterShield r : report.outageShield().routers()) {
            summary.row("  " + r.router(), r.describe());
        }
        summary.row("routers", report.routers().describe());
        if (report.routers().bindings().isEmpty()) {
            summary.row("replica bound to", StatusReport.Routers.NOT_BOUND);
        }
        for (StatusReport.Binding b : report.routers().bindings()) {
            summary.row("replica bound to " + b.name(), b.describe());
        }
        summary.appendTo(out, "");

        if (!report.failuresByReason().isEmpty()) {
            out.append('\n');
            TextTable failures = new TextTable().row("FAILURES", "LAST FAILED", "REASON");
            for (StatusReport.FailureReason f : report.failuresByReason()) {
                failures.row(
                        Long.toString(f.count()),
                        f.lastFailedAt().toString(),
                        f.reason().replace('\n', ' '));
            }
            failures.appendTo(out, "");
        }

        if (withRepositories) {
            out.append('\n');
            TextTable repos = new TextTable()
                    .row(
                            "REPOSITORY",
                            "PENDING",
                            "IN PROGRESS",
                            "FAILED",
                            "DONE",
                            "OLDEST PENDING",
                            "LAST APPLIED",
                            "MANIFESTS",
                            "TAGS",
                            "BLOBS",
                            "BAD MANIFESTS");
            for (StatusReport.RepositoryStatus r : report.repositories()) {
                repos.row(
                        r.name(),
                        Long.toString(r.queue().pending()),
                        Long.toString(r.queue().inProgress()),
                        Long.toString(r.queue().failed()),
                        Long.toString(r.queue().done()),
                        r.oldestPending()
                                .map(t -> duration(Duration.between(t, report.generatedAt())))
                                .orElse("-"),
                        r.lastAppliedAt().map(Instant::toString).orElse("-"),
                        Long.toString(r.manifests()),
                        Long.toString(r.tags()),
                        Long.toString(r.blobs()),
                        Long.toString(r.manifestsNotOk()));
            }
            repos.appendTo(out, "");
            if (report.repositories().isEmpty()) {
                out.append("(no such repository in the queue or the replica)\n");
            }
        }
        return out.toString();
    }

    private static String reconcileRun(StatusReport.ReconcileRun run) {
        return "finished " + run.finishedAt() + ", " + (run.fullPass() ? "full pass" : "named repositories") + ": "
                + run.repositories() + " repositories, " + run.tagsChecked() + " tags checked, " + run.queued()
                + " queued, "
                + run.errors() + " errors";
    }

    private static String states(Map<String, Long> byState) {
        StringBuilder s = new StringBuilder();
        byState.forEach((state, n) ->
                s.append(s.isEmpty() ? "" : ", ").append(n).append(' ').append(state));
        return s.toString();
    }

    static String duration(Duration d) {
        long seconds = Math.max(0, d.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m" + (seconds % 60 == 0 ? "" : " " + seconds % 60 + "s");
        }
        if (seconds < 86_400) {
            return (seconds / 3600) + "h" + (seconds % 3600 / 60 == 0 ? "" : " " + seconds % 3600 / 60 + "m");
        }
        return (seconds / 86_400) + "d " + (seconds % 86_400 / 3600) + "h";
    }

    private static String seconds(Optional<Double> value) {
        return value.map(v -> String.format(Locale.ROOT, "%.2fs", v)).orElse("-");
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int unit = -1;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }
}
