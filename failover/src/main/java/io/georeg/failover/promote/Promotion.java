package io.georeg.failover.promote;

import io.georeg.failover.FailoverException;
import io.georeg.failover.admin.RestoreOnExit;
import io.georeg.failover.admin.RouterAdminClient;
import io.georeg.failover.admin.RouterAdminView;
import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import io.georeg.failover.report.StepListener;
import io.georeg.failover.state.ReplicationGaps;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.verify.PassSummary;
import io.georeg.status.StatusQuery;
import io.georeg.status.StatusReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A planned failover: read every router's state (a router that does not answer, or one already on
 * the new primary, stops it before anything changes), freeze writes at every router ({@code frozen}), drain the replication queue,
 * run a final reconcile against the old primary (the replicator's {@code Reconciler}) and drain
 * again, verify the replica's stored content (the replicator's {@code Verifier}, then no object
 * failed or missing and no change failed), then switch every router to the new primary and
 * unfreeze. Once frozen, the routers are unfrozen whatever happens; without {@code force} the primary is only
 * switched when every check passed. Run by {@code georeg promote}.
 */
public final class Promotion {
    private static final Duration POLL = Duration.ofMillis(200);
    /** As long as {@code drill} and {@code promote} wait for a router. */
    private static final Duration NEW_PRIMARY_TIMEOUT = Duration.ofSeconds(10);

    private final PromotionOptions options;
    private final PromotionSession session;
    private final HttpClient http;

    public Promotion(PromotionOptions options, PromotionSession session, HttpClient http) {
        this.options = options;
        this.session = session;
        this.http = http;
    }

    /** Runs the promotion, each step told to {@code progress} as it starts and ends. */
    public Report run(StepListener progress) {
        Report report = new Report("promote", progress);
        report.fact("routers", options.routers());
        report.fact("new primary", options.newPrimary());
        List<RouterAdminClient> routers = options.routers().stream()
                .map(r -> new RouterAdminClient(http, r, options.adminToken()))
                .toList();
        int n = routers.size();
        boolean ready = report.step(
                "precheck",
                "read the primary of " + n + " router(s): reachable, not " + options.newPrimary()
                        + " already; the new primary answers",
                () -> precheck(report, routers));
        if (!ready && !options.force()) {
            report.error("a pre-check failed: nothing was changed, the routers were not frozen");
            report.finish();
            return report;
        }
        // The primary each router reported with this run's last switch of it: its next switch (the
        // primary's, the unfreeze) is made only over that and frozen, never over a switch made meanwhile.
        Map<URI, URI> leftOn = new ConcurrentHashMap<>();
        // A promotion stopped (Ctrl-C, SIGTERM) while the routers are frozen still unfreezes them,
        // in a report of its own (this one is the running thread's), its steps shown as they run.
        RestoreOnExit onExit = RestoreOnExit.arm("georeg-promote-unfreeze", () -> {
            Report stopped = new Report("promote", progress);
            stopped.step(
                    "unfreeze",
                    "the promotion was stopped: unfreeze " + n + " router(s)",
                    () -> unfreeze(stopped, routers, leftOn));
        });
        // Whether a check had failed when --force went on to the switch, and whether the switch was made.
        boolean forcing = false;
        boolean switched = false;
        try {
            if (report.step(
                    "freeze",
                    "freeze writes at " + n + " router(s)",
                    () -> setAll(
                            report,
                            routers,
                            leftOn,
                            "freeze",
                            r -> r.setMode("frozen", "promotion to " + options.newPrimary()),
                            "frozen"))) {
                report.step("drain", "drain the replication queue", () -> {
                    if (options.runWorkers()) {
                        session.replicator().start();
                    }
                    long start = System.nanoTime();
                    drain(report, "drain");
                    report.timing(
                            "drain", Duration.ofNanos(System.nanoTime() - start).toMillis());
                });
                report.step(
                        "final-reconcile",
                        "reconcile against the old primary, then drain again",
                        () -> finalReconcile(report));
                report.step("verify", "verify the replica's stored content", () -> verify(report));
                report.step(
                        "rpo",
                        "list the changes not replicated (RPO)",
                        () -> report.rpo(new ReplicationGaps(session.database()).list(1000)));
                if (report.passed() || options.force()) {
                    forcing = !report.passed();
                    switched = report.step(
                            "switch-primary",
                            "switch " + n + " router(s) to " + options.newPrimary(),
                            () -> newPrimaryAnswers(report, "switch-primary")
                                    && setAll(
                                            report,
                                            routers,
                                            leftOn,
                                            "switch-primary",
                                            r -> r.setPrimary(options.newPrimary(), frozenOn(leftOn, r)),
                                            null));
                } else {
                    report.error(
                            "a check failed: the routers keep the old primary (run again, or pass --force for an unplanned failover)");
                }
            }
        } finally {
            AtomicBoolean unfrozen = new AtomicBoolean();
            onExit.undoNow(() -> unfrozen.set(
                    report.step("unfreeze", "unfreeze " + n + " router(s)", () -> unfreeze(report, routers, leftOn))));
            if (forcing && switched && unfrozen.get()) {
                report.forcedThrough("a check failed; --force switched every router to " + options.newPrimary());
            }
            report.finish();
        }
        return report;
    }

    /**
     * Reads every router's state before anything changes, so that a router that cannot be reached
     * or refuses the token, one in another mode than normal (a drill or another promotion running:
     * the unfreeze at the end would end its mode), or a promotion already done (run twice), stops
     * the run before writes are frozen: a second run would freeze writes, drain and crawl the configured old primary
     * for nothing, and report the new primary as the old one. Records the old primary.
     */
    private boolean precheck(Report report, List<RouterAdminClient> routers) {
        List<String> problems = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                RouterAdminView view = router.mode();
                view.notNormal().ifPresent(problems::add);
                if (!report.facts().containsKey("old primary")) {
                    report.fact("old primary", view.primaryUrl());
                }
                if (options.newPrimary().equals(view.primaryUrl())) {
                    problems.add(router.router() + " already sends writes to " + options.newPrimary()
                            + ": nothing to promote (to go back, see Rollback in docs/failover.md)");
                }
            } catch (FailoverException e) {
                problems.add(e.getMessage());
            }
        }
        newPrimaryProblem().ifPresent(problems::add);
        problems.forEach(report::error);
        report.check(
                problems.isEmpty()
                        ? Check.pass(
                                "precheck",
                                routers.size() + " router(s) answer, none on " + options.newPrimary() + " yet")
                        : Check.fail("precheck", String.join("; ", problems)));
        return problems.isEmpty();
    }

    /**
     * Asked before anything is frozen and again right before the switch (it may have gone down
     * during the drain): routers switched to a registry that does not answer refuse every push and
     * answer pulls from what the replica held, and a promotion must not call that passed.
     */
    private boolean newPrimaryAnswers(Report report, String check) {
        Optional<String> problem = newPrimaryProblem();
        problem.ifPresent(report::error);
        report.check(problem.map(p -> Check.fail(check, p))
                .orElseGet(() -> Check.pass(check, "the new primary " + options.newPrimary() + " answers")));
        return problem.isEmpty();
    }

    /**
     * Why the new primary is no registry that answers now; empty when its {@code /v2/} answers 200,
     * or 401 (a registry with token auth, as the runbook's new primary is: distribution's API version
     * check, OCI distribution spec "end-1").
     */
    private Optional<String> newPrimaryProblem() {
        URI base = URI.create(options.newPrimary() + "/v2/");
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(base)
                            .timeout(NEW_PRIMARY_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 || r.statusCode() == 401
                    ? Optional.empty()
                    : Optional.of("the new primary does not answer as a registry: GET " + base + " answered "
                            + r.statusCode() + " (200 or 401 expected)");
        } catch (IOException e) {
            return Optional.of("the new primary does not answer: GET " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailoverException("interrupted while asking the new primary", e);
        }
    }

    private boolean unfreeze(Report report, List<RouterAdminClient> routers, Map<URI, URI> leftOn) {
        return setAll(
                report,
                routers,
                leftOn,
                "unfreeze",
                r -> r.setMode("normal", "promotion finished", frozenOn(leftOn, r)),
                "normal");
    }

    /** The state this run left {@code router} in: frozen, on the primary it last reported (unknown: not compared). */
    private static RouterAdminClient.Expected frozenOn(Map<URI, URI> leftOn, RouterAdminClient router) {
        return new RouterAdminClient.Expected("frozen", leftOn.get(router.router()));
    }

    private interface AdminCall {
        RouterAdminView call(RouterAdminClient router);
    }

    /**
     * One admin call on every router; {@code mode} the mode each must then report (null: check the
     * primary URL). Records in {@code leftOn} the primary each reports after it.
     */
    private boolean setAll(
            Report report,
            List<RouterAdminClient> routers,
            Map<URI, URI> leftOn,
            String check,
            AdminCall call,
            String mode) {
        List<String> problems = new ArrayList<>();
        for (RouterAdminClient router : routers) {
            try {
                RouterAdminView view = call.call(router);
                leftOn.put(router.router(), view.primaryUrl());
                view.notStoredWarning().ifPresent(report::warning);
                if (mode != null && !mode.equals(view.mode())) {
                    problems.add(router.router() + " reports mode " + view.mode());
                } else if (mode == null && !options.newPrimary().equals(view.primaryUrl())) {
                    problems.add(router.router() + " reports primary " + view.primaryUrl());
                }
            } catch (FailoverException e) {
                problems.add(e.getMessage());
            }
        }
        problems.forEach(report::error);
        report.check(
                problems.isEmpty()
                        ? Check.pass(check, routers.size() + " router(s) done")
                        : Check.fail(check, String.join("; ", problems)));
        return problems.isEmpty();
    }

    private boolean drain(Report report, String check) {
        WorkQueue queue = session.replicator().queue();
        Instant deadline = Instant.now().plus(options.drainTimeout());
        Map<WorkState, Long> depth = queue.depth().byState();
        while (depth.get(WorkState.PENDING) + depth.get(WorkState.IN_PROGRESS) > 0) {
            if (Instant.now().isAfter(deadline)) {
                report.check(Check.fail(
                        check,
                        "queue not drained within " + options.drainTimeout().toSeconds() + " s: "
                                + depth.get(WorkState.PENDING) + " pending, " + depth.get(WorkState.IN_PROGRESS)
                                + " in progress (is a replicator running? else pass --run-workers)"));
                return false;
            }
            // Only the table is watched here; the replicators do the copying.
            LockSupport.parkNanos(POLL.toNanos());
            depth = queue.depth().byState();
        }
        report.check(Check.pass(check, "nothing pending or in progress; " + depth.get(WorkState.FAILED) + " failed"));
        return true;
    }

    private void finalReconcile(Report report) {
        long start = System.nanoTime();
        try {
            ReconcileSummary summary =
                    session.replicator().reconciler().reconcileAll(List.of(), ReconcileProgress.NONE);
            report.fact("final reconcile", summary);
            summary.errors().forEach(e -> report.error("reconcile: " + e));
            report.check(
                    summary.errors().isEmpty()
                            ? Check.pass("final-reconcile", summary.toString())
                            : Check.fail(
                                    "final-reconcile",
                                    summary.errors().size() + " repositories could not be crawled: "
                                            + summary.errors().get(0)));
        } catch (RuntimeException e) {
            report.error("final reconcile: " + e.getMessage());
            report.check(Check.fail("final-reconcile", "the old primary could not be crawled: " + e.getMessage()));
        }
        drain(report, "drain-after-reconcile");
        report.timing(
                "final reconcile and drain",
                Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private void verify(Report report) {
        long start = System.nanoTime();
        try {
            PassSummary pass =
                    session.verifier().runPass().get(options.verifyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            report.fact(
                    "verification pass",
                    pass.total() + " object(s), " + pass.bytes() + " bytes hashed, " + pass.repairs()
                            + " repair(s) queued");
        } catch (TimeoutException e) {
            report.check(Check.fail(
                    "verify",
                    "verification did not finish within "
                            + options.verifyTimeout().toSeconds() + " s"));
            return;
        } catch (ExecutionException e) {
            report.check(Check.fail("verify", "verification failed: " + e.getCause()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailoverException("interrupted while verifying", e);
        }
        report.timing("verify", Duration.ofNanos(System.nanoTime() - start).toMillis());
        StatusReport status = new StatusQuery(session.database())
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.NONE, Optional.empty(), 0);
        long bad =
                bad(status.verification().blobs()) + bad(status.verification().manifests());
        report.fact(
                "verification state",
                "blobs " + status.verification().blobs() + ", manifests "
                        + status.verification().manifests());
        report.check(
                bad == 0
                        ? Check.pass("verify", "no stored object failed or missing")
                        : Check.fail("verify", bad + " stored object(s) failed verification or are missing"));
        report.check(
                status.queue().failed() == 0
                        ? Check.pass("no-failed-changes", "no change failed to replicate")
                        : Check.fail(
                                "no-failed-changes",
                                status.queue().failed() + " change(s) failed to replicate: see georeg retry --list"));
    }

    private static long bad(Map<String, Long> byState) {
        return byState.getOrDefault("failed", 0L) + byState.getOrDefault("missing", 0L);
    }
}
