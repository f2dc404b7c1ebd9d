package io.georeg.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code georeg status --json}: a {@link StatusReport} as one JSON object for scripts. The field
 * names are a stable interface (add fields, never rename or remove them); times are ISO-8601 UTC
 * strings, durations are seconds as numbers, absent values are {@code null}:
 *
 * <pre>
 * {
 *   "generatedAt": "2026-01-01T12:00:00Z",
 *   "windowSeconds": 900,
 *   "queue": {"pending": 3, "inProgress": 1, "failed": 2, "done": 40},
 *   "oldestPending": {"since": "2026-01-01T11:58:00Z", "ageSeconds": 120.0},      // null when none
 *   "lag": {"samples": 40, "p50Seconds": 0.4, "p99Seconds": 2.1},                 // p* null when samples = 0
 *   "replicated": {"blobs": 12, "bytes": 104857600},
 *   "lastReconcile": {"runsRecorded": true, "lastQueuedWorkAt": "2026-01-01T11:00:01Z",
 *                     "startedAt": "2026-01-01T11:00:00Z", "finishedAt": "2026-01-01T11:00:02Z",
 *                     "fullPass": true, "repositories": 12, "tagsChecked": 80, "queued": 3,
 *                     "errors": 0},                                  // all but the first two null before a pass
 *   "verification": {"blobs": {"unverified": 0, "ok": 10, "failed": 1, "missing": 0},
 *                    "manifests": {"unverified": 0, "ok": 4, "failed": 0, "missing": 0}},
 *   "failuresByReason": [{"reason": "primary answered 404 for &lt;digest&gt;", "count": 2,
 *                         "lastFailedAt": "2026-01-01T11:59:00Z"}],
 *   "outageShield": {"armed": true, "inUse": false,                   // both false when no router reports
 *                    "routers": [{"router": "georeg-router-7d9f-x2:8080", "armed": true, "siteKeyLoaded": true,
 *                                 "inUse": false, "grants": 14, "reportedAt": "2026-01-01T11:59:58Z"}]},
 *   "routers": {"mode": "normal", "reason": "", "primaryUrl": null,       // null: router.primaryUrl
 *               "since": "2026-01-01T10:00:00Z",                          // last switched
 *               "replicaPrimaries": [{"name": "default", "url": "http://registry-a:5000",
 *                                     "boundAt": "...", "caughtUp": true, "catchingUpSince": null}]},
 *   "primaries": [{"name": "cell-1", "queue": {...}, "oldestPending": {"since": "...", "ageSeconds": 3.0},
 *                  "applied": 12}],                                   // empty with a single primary
 *   "repositories": [{"name": "team/app", "queue": {...}, "oldestPendingSince": null,
 *                     "lastAppliedAt": "...", "manifests": 4, "tags": 2, "blobs": 9, "manifestsNotOk": 0}]
 * }
 * </pre>
 * {@code repositories} is present (possibly empty) only with {@code --repository} or {@code --repositories}.
 */
public final class StatusJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusJson() {}

    public static String render(StatusReport report, boolean withRepositories) {
        ObjectNode root = tree(report, withRepositories);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    static ObjectNode tree(StatusReport report, boolean withRepositories) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generatedAt", report.generatedAt().toString());
        root.put("windowSeconds", report.window().toSeconds());
        root.set("queue", queue(report.queue()));
        if (report.oldestPending().isPresent()) {
            ObjectNode oldest = root.putObject("oldestPending");
            oldest.put("since", report.oldestPending().get().toString());
            oldest.put("ageSeconds", seconds(report.oldestPendingAge().orElseThrow()));
        } else {
            root.putNull("oldestPending");
        }
        ObjectNode lag = root.putObject("lag");
        lag.put("samples", report.lag().samples());
        number(lag, "p50Seconds", report.lag().p50Seconds());
        number(lag, "p99Seconds", report.lag().p99Seconds());
        ObjectNode replicated = root.putObject("replicated");
        replicated.put("blobs", report.replicated().blobs());
        replicated.put("bytes", report.replicated().bytes());
        ObjectNode reconcile = root.putObject("lastReconcile");
        StatusReport.Reconcile lastReconcile = report.lastReconcile();
        reconcile.put("runsRecorded", lastReconcile.runsRecorded());
        instant(reconcile, "lastQueuedWorkAt", lastReconcile.lastQueuedWorkAt());
        Optional<StatusReport.ReconcileRun> run = lastReconcile.lastRun();
        instant(reconcile, "startedAt", run.map(StatusReport.ReconcileRun::startedAt));
        instant(reconcile, "finishedAt", run.map(StatusReport.ReconcileRun::finishedAt));
        if (run.isPresent()) {
            reconcile.put("fullPass", run.get().fullPass());
            reconcile.put("repositories", run.get().repositories());
            reconcile.put("tagsChecked", run.get().tagsChecked());
            reconcile.put("queued", run.get().queued());
            reconcile.put("errors", run.get().errors());
        } else {
            for (String field : new String[] {"fullPass", "repositories", "tagsChecked", "queued", "errors"}) {
                reconcile.putNull(field);
            }
        }
        ObjectNode verification = root.putObject("verification");
        verification.set("blobs", counts(report.verification().blobs()));
        verification.set("manifests", counts(report.verification().manifests()));
        ArrayNode failures = root.putArray("failuresByReason");
        for (StatusReport.FailureReason f : report.failuresByReason()) {
            ObjectNode node = failures.addObject();
            node.put("reason", f.reason());
            node.put("count", f.count());
            node.put("lastFailedAt", f.lastFailedAt().toString());
        }
        ObjectNode shield = root.putObject("outageShield");
        shield.put("armed", report.outageShield().armed());
        shield.put("inUse", report.outageShield().inUse());
        ArrayNode shieldRouters = shield.putArray("routers");
        for (StatusReport.RouterShield r : report.outageShield().routers()) {
            ObjectNode node = shieldRouters.addObject();
            node.put("router", r.router());
            node.put("armed", r.armed());
            node.put("siteKeyLoaded", r.siteKeyLoaded());
            node.put("inUse", r.inUse());
            node.put("grants", r.grants());
            node.put("reportedAt", r.reportedAt().toString());
        }
        StatusReport.Routers routers = report.routers();
        ObjectNode admin = root.putObject("routers");
        admin.put("mode", routers.mode());
        admin.put("reason", routers.reason());
        admin.put("primaryUrl", routers.primaryUrl().orElse(null));
        admin.put("since", routers.since().map(Instant::toString).orElse(null));
        ArrayNode bindings = admin.putArray("replicaPrimaries");
        for (StatusReport.Binding b : routers.bindings()) {
            ObjectNode node = bindings.addObject();
            node.put("name", b.name());
            node.put("url", b.url());
            node.put("boundAt", b.boundAt().toString());
            node.put("caughtUp", b.catchingUpSince().isEmpty());
            node.put(
                    "catchingUpSince",
                    b.catchingUpSince().map(Instant::toString).orElse(null));
        }
        ArrayNode primaries = root.putArray("primaries");
        for (StatusReport.PrimaryStatus p : report.primaries()) {
            ObjectNode node = primaries.addObject();
            node.put("name", p.name());
            node.set("queue", queue(p.queue()));
            if (p.oldestPending().isPresent()) {
                ObjectNode oldest = node.putObject("oldestPending");
                oldest.put("since", p.oldestPending().get().toString());
                oldest.put(
                        "ageSeconds",
                        seconds(p.oldestPendingAge(report.generatedAt()).orElseThrow()));
            } else {
                node.putNull("oldestPending");
            }
            node.put("applied", p.applied());
        }
        if (withRepositories) {
            ArrayNode repos = root.putArray("repositories");
            for (StatusReport.RepositoryStatus r : report.repositories()) {
                ObjectNode node = repos.addObject();
                node.put("name", r.name());
                node.set("queue", queue(r.queue()));
                instant(node, "oldestPendingSince", r.oldestPending());
                instant(node, "lastAppliedAt", r.lastAppliedAt());
                node.put("manifests", r.manifests());
                node.put("tags", r.tags());
                node.put("blobs", r.blobs());
                node.put("manifestsNotOk", r.manifestsNotOk());
            }
        }
        return root;
    }

    private static ObjectNode queue(StatusReport.Queue q) {
        ObjectNode node = JSON.createObjectNode();
        node.put("pending", q.pending());
        node.put("inProgress", q.inProgress());
        node.put("failed", q.failed());
        node.put("done", q.done());
        return node;
    }

    private static ObjectNode counts(Map<String, Long> byState) {
        ObjectNode node = JSON.createObjectNode();
        byState.forEach(node::put);
        return node;
    }

    private static void number(ObjectNode node, String field, Optional<Double> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }

    private static void instant(ObjectNode node, String field, Optional<Instant> value) {
        if (value.isPresent()) {
            node.put(field, value.get().toString());
        } else {
            node.putNull(field);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
