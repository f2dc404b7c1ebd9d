package io.georeg.status.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.status.LagHistoryQuery;
import io.georeg.status.RecentFailuresQuery;
import io.georeg.status.StatusJson;
import java.util.Optional;

/**
 * {@code GET /-/status.json}: the {@code georeg status --json} document ({@link StatusJson}, with
 * {@code repositories}) plus two fields of the page, under the same stability rule (add, never
 * rename):
 *
 * <pre>
 *   "lagHistory": [{"minute": "2026-01-01T12:00:00Z", "samples": 4, "p50Seconds": 0.4,
 *                   "p99Seconds": 2.0, "maxSeconds": 2.1}, ...],   // oldest first, p*: null without samples
 *   "recentFailures": [{"repository": "team/app", "kind": "tag", "ref": "v1", "operation": "push_manifest",
 *                       "attempts": 5, "reason": "...", "failedAt": "..."}]   // newest first
 * </pre>
 * The lag chart of the HTML page reads the same {@code lagHistory} array.
 */
final class StatusPageJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusPageJson() {}

    static String render(StatusPageData data) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(StatusJson.render(data.report(), true));
            root.set("lagHistory", lagHistory(data));
            ArrayNode failures = root.putArray("recentFailures");
            for (RecentFailuresQuery.FailedItem f : data.recentFailures()) {
                ObjectNode node = failures.addObject();
                node.put("repository", f.repository());
                node.put("kind", f.kind());
                node.put("ref", f.ref());
                node.put("operation", f.operation());
                node.put("attempts", f.attempts());
                node.put("reason", f.reason());
                node.put("failedAt", f.failedAt().toString());
            }
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("StatusJson always renders valid JSON", e);
        }
    }

    /** The chart's data only: numbers and times, nothing a user could have typed. */
    static ArrayNode lagHistory(StatusPageData data) {
        ArrayNode history = JSON.createArrayNode();
        for (LagHistoryQuery.LagPoint p : data.lagHistory()) {
            ObjectNode node = history.addObject();
            node.put("minute", p.minute().toString());
            node.put("samples", p.samples());
            number(node, "p50Seconds", p.p50Seconds());
            number(node, "p99Seconds", p.p99Seconds());
            number(node, "maxSeconds", p.maxSeconds());
        }
        return history;
    }

    static String compact(ArrayNode node) {
        return node.toString();
    }

    private static void number(ObjectNode node, String field, Optional<Double> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }
}
