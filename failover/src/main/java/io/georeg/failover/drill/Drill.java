package io.georeg.failover.drill;

import io.georeg.db.Database;
import io.georeg.egress.PrimaryEgress;
import io.georeg.failover.FailoverException;
import io.georeg.failover.admin.RestoreOnExit;
import io.georeg.failover.admin.RouterAdminClient;
import io.georeg.failover.admin.RouterAdminView;
import io.georeg.failover.admin.StateChangedMeanwhile;
import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import io.georeg.failover.report.StepListener;
import io.georeg.failover.state.ReplicatedImage;
import io.georeg.failover.state.ReplicatedSample;
import io.georeg.failover.state.ReplicationGaps;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.status.StatusQuery;
import io.georeg.status.StatusReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A failover drill against a running deployment: pre-checks from the tracking database (lag,
 * pending, failed, via {@link StatusQuery}); the routers switched to {@code primary-down} through
 * their admin API on their operator listeners (or a real outage observed); a sample of replicated
 * images pulled through the routers' public URLs (or {@code --registry}) by fresh clients (their
 * tokens fetched during the outage) with their digests verified, timed; a push shown to be refused
 * with the clear 503; the
 * routers restored to {@code normal} whatever happened. Everything lands in a {@link Report}:
 * checks, RPO (what was not replicated), time to serve, errors. Run by {@code georeg drill}.
 */
public final class Drill {
    static final int RPO_LIMIT = 1000;

    private final DrillOptions options;
    private final Database database;
    private final HttpClient http;
    private final PrimaryEgress trust;

    /** @param trust how the pulls' registry clients connect: the CA bundle, directly ({@code primary.caBundle}) */
    public Drill(DrillOptions options, Database database, HttpClient http, PrimaryEgress trust) {
        this.options = options;
        this.database = database;
        this.http = http;
        this.trust = trust;
    }

    /** Runs the drill, each step told to {@code progress} as it starts and ends. */
    public Report run(StepListener progress) {
        Report report = new Report("drill", progress);
        report.fact("routers", options.routers());
        report.fact("mode", options.observeOutage() ? "observe a real outage" : "switch routers to primary-down");
        report.step("precheck", "pre-checks: replication lag, pending and failed changes", () -> preChecks(report));
        report.step(
                "rpo",
                "list the changes not replicated yet (RPO)",
                () -> report.rpo(new ReplicationGaps(database).list(RPO_LIMIT)));
        List<ReplicatedImage> sample =
                report.step("sample", "pick " + options.sample() + " replicated image(s) to pull", () -> {
                    List<ReplicatedImage> picked = new ReplicatedSample(database).pick(options.sample());
                    report.fact("sample", picked.size() + " image(s): " + picked);
                    return picked;
                });
        List<RouterAdminClient> routers = options.routers().stream()
                .map(r -> new RouterAdminClient(http, r, options.adminToken()))
                .toList();
        boolean switched = false;
        // The primary each router reported with its switch: its restore is made only over that state.
        Map<URI, URI> switchedOn = new ConcurrentHashMap<>();
        // Nothing switched (a router was not in normal mode or did not answer): nothing to restore.
        boolean untouched = false;
        // A drill stopped (Ctrl-C, SIGTERM) after the switch still restores, in a report of its own
        // (this one is the running thread's), its steps shown as they run.
        RestoreOnExit onExit = options.observeOutage()
                ? null
                : RestoreOnExit.arm("georeg-drill-restore", () -> {
                    Report stopped = new Report("drill", progress);
                    stopped.step(
                            "restore",
                            "the drill was stopped: switch " + routers.size() + " router(s) back to normal",
                            () -> restore(stopped, routers, switchedOn, false));
                });
        try {
            Instant outageStart;
            if (options.observeOutage()) {
                outageStart = report.step(
                        "outage-observed",
                        "check that " + routers.size() + " router(s) find the primary unreachable",
                        () -> observe(report, routers));
            } else {
                Switched outcome = report.step(
                        "switch",
                        "switch " + routers.size() + " router(s) to primary-down",
                        () -> switchAll(report, routers, switchedOn));
                switched = outcome == Switched.ALL;
                untouched = outcome == Switched.NONE;
                outageStart = switched ? Instant.now() : null;
            }
            if (outageStart != null) {
                List<URI> registries = registries(report, routers);
                report.step(
                        "serve-sample",
                        "pull " + sample.size() + " image(s) through the routers, digests verified",
                        () -> pullSample(report, sample, registries, outageStart));
                report.step(
                        "push-refused",
                        "check that a push is refused with the clear 503",
                        () -> pushRefused(report, sample, registries));
            }
        } finally {
            if (onExit != null && untouched) {
                onExit.disarm();
            } else if (onExit != null) {
                boolean wasSwitched = switched;
                onExit.undoNow(() -> report.step(
                        "restore",
                        "switch " + routers.size() + " router(s) back to normal",
                        () -> restore(report, routers, switchedOn, wasSwitched)));
            }
            report.finish();
        }
        return report;
    }

    /**
     * The lag percentiles as the report shows them, to the hundredth of a second ("0.40 / 1.20"; "-"
     * without samples): the query's doubles printed as they are read like 0.39966551000000006.
     */
    static String lagFact(StatusReport.Lag lag) {
        return seconds(lag.p50Seconds()) + " / " + seconds(lag.p99Seconds());
    }

    private static String seconds(Optional<Double> value) {
        return value.map(v -> String.format(Locale.ROOT, "%.2f", v)).orElse("-");
    }

    private void preChecks(Report report) {
        StatusReport status = new StatusQuery(database)
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.NONE, Optional.empty(), 0);
        StatusReport.Queue q = status.queue();
        report.fact(
                "queue",
                "pending " + q.pending() + ", in progress " + q.inProgress() + ", failed " + q.failed() + ", done "
                        + q.done());
        report.fact("lag p50/p99 (s, last 15 min)", lagFact(status.lag()));
        Optional<Duration> oldest = status.oldestPendingAge();
        report.check(
                oldest.isEmpty() || oldest.get().compareTo(options.maxLag()) <= 0
                        ? Check.pass(
                                "precheck-lag",
                                "oldest unreplicated change "
                                        + oldest.map(d -> d.toSeconds() + " s old")
                                                .orElse("none") + " (limit "
                                        + options.maxLag().toSeconds() + " s)")
                        : Check.fail(
                                "precheck-lag",
                                "oldest unreplicated change is " + oldest.get().toSeconds()
                                        + " s old, over the limit of "
                                        + options.maxLag().toSeconds() + " s: the secondary is behind"));
        long unapplied = q.pending() + q.inProgress();
        report.check(
                unapplied <= options.maxPending()
                        ? Check.pass(
                                "precheck-pending",
                                unapplied + " change(s) pending or in progress (limit " + options.maxPending() + ")")
                        : Check.fail(
                                "precheck-pending",
                                unapplied + " change(s) pending or in progress, over the limit of "
                                        + options.maxPending()));
        report.check(
                q.failed() <= options.maxFailed()
                        ? Check.pass(
                                "precheck-failed", q.failed() + " failed change(s) (limit " + options.maxFailed() + ")")
                        : Check.fail(
                                "precheck-failed",
                                q.failed() + " failed change(s), over the limit of " + options.maxFailed()
                                        + ": see georeg retry --list"));
    }

    /** How far the switch went: every router, some (or none, after trying), or none tried. */
    private enum Switched {
        ALL,
        PARTLY,
        NONE
    }

    /**
     * Switches every router to primary-down once each answered in normal mode: a router in another
     * mode belongs to another drill or a promotion (frozen), which this drill's restore to normal
     * would end; then no router is switched, and none restored.
     */
    private Switched switchAll(Report report, List<RouterAdminClient> routers, Map<URI, URI> switchedOn) {
        List<String> busy = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                router.mode().notNormal().ifPresent(busy::add);
            } catch (FailoverException e) {
                busy.add(e.getMessage());
            }
        }
        if (!busy.isEmpty()) {
            busy.forEach(report::error);
            report.check(Check.fail("switch", "no router switched: " + String.join("; ", busy)));
            return Switched.NONE;
        }
        String reason = "georeg drill started " + Instant.now();
        List<String> problems = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                RouterAdminView view = router.setMode("primary-down", reason);
                switchedOn.put(router.router(), view.primaryUrl());
                view.notStoredWarning().ifPresent(report::warning);
                if (!"primary-down".equals(view.mode()) || !"open".equals(view.primaryCircuit())) {
                    problems.add(router.router() + " reports mode " + view.mode() + ", primary circuit "
                            + view.primaryCircuit());
                }
            } catch (FailoverException e) {
                problems.add(e.getMessage());
            }
        }
        problems.forEach(report::error);
        report.check(
                problems.isEmpty()
                        ? Check.pass("switch", routers.size() + " router(s) in primary-down mode")
                        : Check.fail("switch", String.join("; ", problems)));
        return problems.isEmpty() ? Switched.ALL : Switched.PARTLY;
    }

    private Instant observe(Report report, List<RouterAdminClient> routers) {
        List<String> problems = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                RouterAdminView view = router.mode();
                if (view.primaryProbedReachable()) {
                    problems.add(router.router() + " still reaches the primary " + view.primaryUrl());
                }
            } catch (FailoverException e) {
                problems.add(e.getMessage());
            }
        }
        report.check(
                problems.isEmpty()
                        ? Check.pass("outage-observed", routers.size() + " router(s) find the primary unreachable")
                        : Check.fail("outage-observed", String.join("; ", problems)));
        return problems.isEmpty() ? Instant.now() : null;
    }

    /**
     * Where clients pull: {@code --registry}, or else the public URL each router reports (the
     * routers' admin API is on their operator listeners, which serve no registry API).
     */
    private List<URI> registries(Report report, List<RouterAdminClient> routers) {
        List<URI> registries = new ArrayList<>(options.registries());
        if (registries.isEmpty()) {
            for (RouterAdminClient router : routers) {
                try {
                    URI publicUrl = router.mode().publicUrl();
                    if (publicUrl == null) {
                        report.error(router.router() + " reports no public URL: name it with --registry");
                    } else if (!registries.contains(publicUrl)) {
                        registries.add(publicUrl);
                    }
                } catch (FailoverException e) {
                    report.error(e.getMessage());
                }
            }
        }
        report.fact("pulls through", registries);
        return registries;
    }

    /**
     * Pulls the sample round-robin through the routers with clients made only now: their first
     * request fetches a token during the outage, as a client holding none does (with token auth,
     * the routers' outage tokens), so the report shows what a real client gets.
     */
    private void pullSample(Report report, List<ReplicatedImage> sample, List<URI> registries, Instant outageStart) {
        if (sample.isEmpty()) {
            report.check(Check.fail("serve-sample", "the replica holds no tagged image yet: nothing to pull"));
            return;
        }
        if (registries.isEmpty()) {
            report.check(Check.fail("serve-sample", "no registry URL to pull from: name one with --registry"));
            return;
        }
        List<PrimaryClient> clients = registries.stream().map(this::client).toList();
        try {
            pullWith(
                    report,
                    sample,
                    clients.stream().map(c -> new SamplePuller(c.content())).toList(),
                    outageStart);
        } finally {
            clients.forEach(PrimaryClient::close);
        }
    }

    private void pullWith(
            Report report, List<ReplicatedImage> sample, List<SamplePuller> pullers, Instant outageStart) {
        List<Long> millis = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long bytes = 0;
        Instant firstServed = null;
        for (int i = 0; i < sample.size(); i++) {
            ReplicatedImage image = sample.get(i);
            long start = System.nanoTime();
            try {
                bytes += pullers.get(i % pullers.size()).pull(image);
                millis.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                if (firstServed == null) {
                    firstServed = Instant.now();
                }
            } catch (RuntimeException e) {
                failures.add(image + ": " + e.getMessage());
            }
        }
        failures.forEach(report::error);
        if (firstServed != null) {
            report.timing(
                    "time to serve (switch to first complete pull)",
                    Duration.between(outageStart, firstServed).toMillis());
        }
        millis.sort(Long::compare);
        if (!millis.isEmpty()) {
            report.timing("sample pull p50", percentile(millis, 50));
            report.timing("sample pull p99", percentile(millis, 99));
            report.timing("sample pull max", millis.get(millis.size() - 1));
        }
        report.fact("sample bytes pulled", bytes);
        report.check(
                failures.isEmpty()
                        ? Check.pass(
                                "serve-sample",
                                sample.size() + " image(s) pulled through the router(s), every digest verified")
                        : Check.fail(
                                "serve-sample",
                                failures.size() + " of " + sample.size() + " image(s) not served: " + failures.get(0)));
    }

    /** A push must fail fast with the clear OCI 503 while the primary is (taken as) down. */
    private void pushRefused(Report report, List<ReplicatedImage> sample, List<URI> registries) {
        String repository = sample.isEmpty()
                ? "georeg-drill/probe"
                : sample.get(0).repository().toString();
        List<String> problems = new ArrayList<>();
        if (registries.isEmpty()) {
            problems.add("no registry URL to push to: name one with --registry");
        }
        for (URI router : registries) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(router.resolve("/v2/" + repository + "/blobs/uploads/"))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 503
                        || !r.body().contains("UNAVAILABLE")
                        || !r.body().contains("primary site is unreachable")) {
                    problems.add(router + " answered " + r.statusCode() + " " + r.body());
                } else {
                    report.fact("push refused by " + router, r.body().trim());
                }
            } catch (java.io.IOException e) {
                problems.add(router + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add(router + ": interrupted");
            }
        }
        report.check(
                problems.isEmpty()
                        ? Check.pass("push-refused", "pushes answered 503 UNAVAILABLE with the primary-down message")
                        : Check.fail("push-refused", String.join("; ", problems)));
    }

    /**
     * Sets every router back to normal, but only over the drill's own {@code primary-down} on the
     * primary it reported at the switch: a router another operator switched meanwhile (a promotion
     * froze it) is left as it is, and the restore fails saying so.
     */
    private void restore(Report report, List<RouterAdminClient> routers, Map<URI, URI> switchedOn, boolean switched) {
        List<String> problems = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                RouterAdminView view = router.setMode(
                        "normal",
                        "georeg drill finished",
                        new RouterAdminClient.Expected("primary-down", switchedOn.get(router.router())));
                view.notStoredWarning().ifPresent(report::warning);
                if (!"normal".equals(view.mode())) {
                    problems.add(router.router() + " reports mode " + view.mode());
                }
            } catch (StateChangedMeanwhile e) {
                problems.add(e.getMessage());
            } catch (FailoverException e) {
                problems.add(e.getMessage() + " — restore it with PUT /-/admin/mode {\"mode\":\"normal\"}");
            }
        }
        problems.forEach(report::error);
        report.check(
                problems.isEmpty()
                        ? Check.pass(
                                "restore",
                                routers.size() + " router(s) back in normal mode"
                                        + (switched ? "" : " (the switch had failed)"))
                        : Check.fail("restore", String.join("; ", problems)));
    }

    private PrimaryClient client(URI router) {
        PrimaryConfig config = new PrimaryConfig(
                router,
                options.username().orElse(null),
                options.password().orElse(null),
                null,
                PrimaryConfig.DEFAULT_CONNECT_TIMEOUT,
                PrimaryConfig.DEFAULT_REQUEST_TIMEOUT,
                null);
        return PrimaryClient.create(config, trust);
    }

    static long percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
