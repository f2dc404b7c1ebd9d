package io.georeg.status.web;

import io.georeg.status.RecentFailuresQuery;
import io.georeg.status.StatusReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders the status page: one self-contained HTML document (inline CSS and script, no external
 * assets, so it works on an air-gapped secondary and under a strict Content-Security-Policy). Every
 * database string goes through {@link Html#text}; the lag chart's numbers travel as JSON in a
 * {@code <script type="application/json">} element that {@code status-page.js} draws as SVG. Called
 * by {@link StatusPageHandler}.
 */
final class StatusPageHtml {
    private static final String CSS = resource("status-page.css");
    private static final String SCRIPT = resource("status-page.js");

    private StatusPageHtml() {}

    /** @param nonce the CSP nonce the page's one script carries */
    static String render(StatusPageData data, String nonce) {
        StatusReport r = data.report();
        StringBuilder h = new StringBuilder(16 * 1024);
        h.append("""
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>georeg replication status</title>
                <style>""").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>georeg replication status</h1><p class=\"muted\">generated ")
                .append(time(r.generatedAt()))
                .append(" (database clock) · lag window ")
                .append(r.window().toMinutes())
                .append(" min · reload to refresh · <a href=\"status.json\">JSON</a></p></header>\n");

        summary(h, r);
        routers(h, r.routers());
        primaries(h, r);
        queue(h, r.queue());
        lagChart(h, data);
        failures(h, data);
        repositories(h, data);

        h.append("<script type=\"application/json\" id=\"lag-data\">")
                .append(Html.scriptJson(StatusPageJson.compact(StatusPageJson.lagHistory(data))))
                .append("</script>\n");
        h.append("<script nonce=\"").append(nonce).append("\">").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, StatusReport r) {
        h.append("<section id=\"summary\" class=\"tiles\">\n");
        tile(
                h,
                "oldest-pending",
                "oldest pending",
                r.oldestPendingAge().map(StatusPageHtml::age).orElse("none"));
        tile(
                h,
                "lag-p50",
                "lag p50",
                r.lag().p50Seconds().map(StatusPageHtml::seconds).orElse("–"));
        tile(
                h,
                "lag-p99",
                "lag p99",
                r.lag().p99Seconds().map(StatusPageHtml::seconds).orElse("–"));
        tile(h, "applied", "applied in window", Long.toString(r.lag().samples()));
        tile(
                h,
                "replicated",
                "replicated in window",
                r.replicated().blobs() + " blobs, " + bytes(r.replicated().bytes()));
        tile(
                h,
                "last-reconcile",
                "last reconcile",
                r.lastReconcile()
                        .lastRun()
                        .map(run ->
                                time(run.finishedAt()) + " (" + run.queued() + " queued, " + run.errors() + " errors)")
                        .orElse("never recorded"));
        tile(h, "outage-shield", "outage shield", r.outageShield().describe());
        h.append("</section>\n");
        if (!r.outageShield().routers().isEmpty()) {
            h.append("<section id=\"outage-shield-routers\"><h2>Outage shield by router</h2>\n<table>\n");
            for (StatusReport.RouterShield router : r.outageShield().routers()) {
                h.append("<tr data-armed=\"")
                        .append(router.armed())
                        .append("\" data-in-use=\"")
                        .append(router.inUse())
                        .append("\"><th>")
                        .append(Html.text(router.router()))
                        .append("</th><td>")
                        .append(Html.text(router.describe()))
                        .append("</td></tr>\n");
            }
            h.append("</table></section>\n");
        }
    }

    /**
     * What the routers share through the database: a drill or a promotion shows here as a mode
     * other than normal or a switched primary, and a replica still catching up with a primary
     * (pulls of it answered by the primary meanwhile) as its binding's state. Without this an
     * operator looking at the page during a failover saw only the queue.
     */
    private static void routers(StringBuilder h, StatusReport.Routers routers) {
        boolean normal = routers.mode().equals("normal") && routers.primaryUrl().isEmpty();
        h.append("<section id=\"routers\"><h2>Routers</h2>\n<table id=\"router-state\">\n<tr data-mode=\"")
                .append(Html.text(routers.mode()))
                .append(normal ? "\"" : "\" class=\"bad\"")
                .append("><th>mode</th><td>")
                .append(Html.text(routers.mode()))
                .append(routers.reason().isBlank() ? "" : " (" + Html.text(routers.reason()) + ")")
                .append("</td></tr>\n<tr><th>writes go to</th><td>")
                .append(routers.primaryUrl()
                        .map(u -> "switched to " + Html.text(u))
                        .orElse("each router's configured primary (router.primaryUrl)"))
                .append("</td></tr>\n");
        routers.since()
                .ifPresent(
                        t -> h.append("<tr><th>since</th><td>").append(time(t)).append("</td></tr>\n"));
        if (routers.bindings().isEmpty()) {
            h.append("<tr><th>replica bound to</th><td>")
                    .append(Html.text(StatusReport.Routers.NOT_BOUND))
                    .append("</td></tr>\n");
        }
        for (StatusReport.Binding b : routers.bindings()) {
            boolean catchingUp = b.catchingUpSince().isPresent();
            h.append("<tr class=\"binding")
                    .append(catchingUp ? " bad" : "")
                    .append("\" data-name=\"")
                    .append(Html.text(b.name()))
                    .append("\" data-catching-up=\"")
                    .append(catchingUp)
                    .append("\"><th>replica bound to ")
                    .append(Html.text(b.name()))
                    .append("</th><td>")
                    .append(Html.text(b.describe(StatusPageHtml::seconds, false)))
                    .append("</td></tr>\n");
        }
        h.append("</table></section>\n");
    }

    /** Each primary's queue and recovery point, when the secondary serves several. */
    private static void primaries(StringBuilder h, StatusReport r) {
        if (r.primaries().isEmpty()) {
            return;
        }
        h.append("<section id=\"primaries\"><h2>Replication by primary</h2>\n<table id=\"primary-table\"><thead><tr>"
                + "<th>primary</th><th>pending</th><th>in progress</th><th>failed</th><th>done</th>"
                + "<th>oldest pending</th><th>applied in window</th></tr></thead><tbody>\n");
        for (StatusReport.PrimaryStatus p : r.primaries()) {
            String name = Html.text(p.name());
            h.append("<tr class=\"primary")
                    .append(p.queue().failed() > 0 ? " bad" : "")
                    .append("\" data-name=\"")
                    .append(name)
                    .append("\"><th>")
                    .append(name)
                    .append("</th><td>")
                    .append(p.queue().pending())
                    .append("</td><td>")
                    .append(p.queue().inProgress())
                    .append("</td><td>")
                    .append(p.queue().failed())
                    .append("</td><td>")
                    .append(p.queue().done())
                    .append("</td><td>")
                    .append(p.oldestPendingAge(r.generatedAt())
                            .map(StatusPageHtml::age)
                            .orElse("none"))
                    .append("</td><td>")
                    .append(p.applied())
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static void tile(StringBuilder h, String id, String label, String value) {
        h.append("<div class=\"tile\" id=\"")
                .append(id)
                .append("\"><div class=\"label\">")
                .append(Html.text(label))
                .append("</div><div class=\"value\">")
                .append(Html.text(value))
                .append("</div></div>\n");
    }

    private static void queue(StringBuilder h, StatusReport.Queue q) {
        long max = Math.max(1, Math.max(Math.max(q.pending(), q.inProgress()), Math.max(q.failed(), q.done())));
        h.append("<section id=\"queue\"><h2>Queue by state</h2>\n<table id=\"queue-table\">\n");
        queueRow(h, "pending", q.pending(), max);
        queueRow(h, "in_progress", q.inProgress(), max);
        queueRow(h, "failed", q.failed(), max);
        queueRow(h, "done", q.done(), max);
        h.append("</table></section>\n");
    }

    private static void queueRow(StringBuilder h, String state, long count, long max) {
        h.append("<tr data-state=\"")
                .append(state)
                .append("\"><th>")
                .append(state.replace('_', ' '))
                .append("</th><td class=\"count\">")
                .append(count)
                .append("</td><td class=\"bar\"><span class=\"state-")
                .append(state)
                .append("\" style=\"width:")
                .append(String.format(Locale.ROOT, "%.1f", 100.0 * count / max))
                .append("%\"></span></td></tr>\n");
    }

    private static void lagChart(StringBuilder h, StatusPageData data) {
        h.append("<section id=\"lag\"><h2>Lag over the last ")
                .append(data.lagHistory().size())
                .append(
                        " minutes</h2>\n<p class=\"muted\">per minute of application: p50 <span class=\"key p50\"></span> "
                                + "p99 <span class=\"key p99\"></span> (seconds from the primary's event to the replica having it)</p>\n")
                .append(
                        "<svg id=\"lag-chart\" viewBox=\"0 0 900 260\" role=\"img\" aria-label=\"replication lag per minute\"></svg>\n")
                .append("<p id=\"lag-empty\" class=\"muted\" hidden>nothing was applied in this span</p></section>\n");
    }

    private static void failures(StringBuilder h, StatusPageData data) {
        h.append("<section id=\"failures\"><h2>Recent failures</h2>\n");
        if (data.recentFailures().isEmpty()) {
            h.append("<p class=\"muted\" id=\"no-failures\">no failed items</p>\n");
        } else {
            h.append("<table id=\"recent-failures\"><thead><tr><th>failed at</th><th>repository</th><th>reference</th>"
                    + "<th>operation</th><th>attempts</th><th>reason</th></tr></thead><tbody>\n");
            for (RecentFailuresQuery.FailedItem f : data.recentFailures()) {
                h.append("<tr><td>")
                        .append(time(f.failedAt()))
                        .append("</td><td>")
                        .append(Html.text(f.repository()))
                        .append("</td><td>")
                        .append(Html.text(f.kind()))
                        .append(' ')
                        .append(Html.text(f.ref()))
                        .append("</td><td>")
                        .append(Html.text(f.operation()))
                        .append("</td><td class=\"count\">")
                        .append(f.attempts())
                        .append("</td><td class=\"reason\">")
                        .append(Html.text(f.reason()))
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }
        if (!data.report().failuresByReason().isEmpty()) {
            h.append("<h3>Failures by reason</h3>\n<table id=\"failure-reasons\"><thead><tr><th>count</th><th>reason "
                    + "(digests masked)</th><th>last failed</th></tr></thead><tbody>\n");
            for (StatusReport.FailureReason f : data.report().failuresByReason()) {
                h.append("<tr><td class=\"count\">")
                        .append(f.count())
                        .append("</td><td class=\"reason\">")
                        .append(Html.text(f.reason()))
                        .append("</td><td>")
                        .append(time(f.lastFailedAt()))
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }
        h.append("</section>\n");
    }

    private static void repositories(StringBuilder h, StatusPageData data) {
        h.append(
                        "<section id=\"repositories\"><h2>Repositories</h2>\n<form method=\"get\" action=\"status\">"
                                + "<input id=\"repo-search\" name=\"q\" type=\"search\" placeholder=\"search repositories\" autocomplete=\"off\" value=\"")
                .append(Html.text(data.filter()))
                .append("\"> <span id=\"repo-count\" class=\"muted\"></span></form>\n")
                .append(
                        "<table id=\"repository-table\"><thead><tr><th>repository</th><th>pending</th><th>in progress</th>"
                                + "<th>failed</th><th>done</th><th>oldest pending</th><th>last applied</th><th>manifests</th>"
                                + "<th>tags</th><th>blobs</th><th>manifests not ok</th></tr></thead><tbody>\n");
        Instant now = data.report().generatedAt();
        for (StatusReport.RepositoryStatus r : data.report().repositories()) {
            String name = Html.text(r.name());
            h.append("<tr class=\"repo")
                    .append(r.queue().failed() > 0 || r.manifestsNotOk() > 0 ? " bad" : "")
                    .append("\" data-name=\"")
                    .append(name)
                    .append("\"><td>")
                    .append(name)
                    .append("</td><td>")
                    .append(r.queue().pending())
                    .append("</td><td>")
                    .append(r.queue().inProgress())
                    .append("</td><td>")
                    .append(r.queue().failed())
                    .append("</td><td>")
                    .append(r.queue().done())
                    .append("</td><td>")
                    .append(since(r.oldestPending(), now))
                    .append("</td><td>")
                    .append(r.lastAppliedAt().map(StatusPageHtml::time).orElse("–"))
                    .append("</td><td>")
                    .append(r.manifests())
                    .append("</td><td>")
                    .append(r.tags())
                    .append("</td><td>")
                    .append(r.blobs())
                    .append("</td><td>")
                    .append(r.manifestsNotOk())
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static String since(Optional<Instant> t, Instant now) {
        return t.map(i -> age(Duration.between(i, now)) + " ago").orElse("–");
    }

    private static String time(Instant t) {
        return Html.text(seconds(t));
    }

    /** An instant as the page writes it, to the second; not escaped. */
    private static String seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, s < 10 ? "%.2f s" : "%.0f s", s);
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String resource(String name) {
        try (InputStream in = StatusPageHtml.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "missing class-path resource " + name + " next to " + StatusPageHtml.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
