package io.georeg.app.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The deploy gate of {@code georeg health}: from two scrapes of the same components' metrics, a
 * window apart, each component's request rate, error ratio (5xx over all) and apdex over the
 * window ({@code georeg_http_requests_total}, {@code georeg_http_apdex_total}), and the
 * replication's recovery point ({@code georeg_replication_oldest_pending_seconds}) and failed
 * work (items given up during the window, {@code georeg_replication_failures_total{final="true"}};
 * with no window, the items in state failed now), each judged against {@link Thresholds}. A
 * component with fewer requests than {@link Thresholds#minRequests()} in the window is reported,
 * not judged. Pure: the command does the scraping.
 */
final class HealthGate {
    static final String REQUESTS = "georeg_http_requests_total";
    static final String APDEX = "georeg_http_apdex_total";
    static final String OLDEST_PENDING = "georeg_replication_oldest_pending_seconds";
    static final String FAILURES = "georeg_replication_failures_total";
    static final String QUEUE = "georeg_replication_queue_items";

    /** The gate's limits (the command's options). */
    record Thresholds(double maxErrorRatio, double minApdex, Duration maxLag, long maxFailed, long minRequests) {}

    /** One judged signal: its value, its limit, and whether it passed; {@code judged} false when there was too little to judge. */
    record Signal(String component, String name, double value, double limit, boolean judged, boolean passed) {}

    /** The gate's answer: every signal, and whether all judged ones passed. */
    record Verdict(List<Signal> signals, Duration window) {
        boolean passed() {
            return signals.stream().allMatch(Signal::passed);
        }
    }

    private HealthGate() {}

    /**
     * @param before the scrape at the window's start (empty when there is no window: counters since each process started)
     * @param after the scrape at its end
     */
    static Verdict judge(Samples before, Samples after, Duration window, Thresholds limits) {
        List<Signal> signals = new ArrayList<>();
        Set<String> components = new LinkedHashSet<>(after.labelValues(REQUESTS, "component"));
        double seconds = Math.max(window.toMillis() / 1000.0, 0);
        for (String c : components) {
            Map<String, String> of = Map.of("component", c);
            double requests = delta(before, after, REQUESTS, of);
            double errors = delta(before, after, REQUESTS, Map.of("component", c, "code", "5xx"));
            double satisfied = delta(before, after, APDEX, Map.of("component", c, "zone", "satisfied"));
            double tolerating = delta(before, after, APDEX, Map.of("component", c, "zone", "tolerating"));
            double all = delta(before, after, APDEX, of);
            boolean enough = requests >= limits.minRequests();
            signals.add(new Signal(c, "requests", requests, limits.minRequests(), false, true));
            if (seconds > 0) {
                signals.add(new Signal(c, "rate_per_second", requests / seconds, 0, false, true));
            }
            double ratio = requests == 0 ? 0 : errors / requests;
            signals.add(new Signal(
                    c,
                    "error_ratio",
                    ratio,
                    limits.maxErrorRatio(),
                    enough,
                    !enough || ratio <= limits.maxErrorRatio()));
            double apdex = all == 0 ? 1 : (satisfied + tolerating / 2) / all;
            signals.add(
                    new Signal(c, "apdex", apdex, limits.minApdex(), enough, !enough || apdex >= limits.minApdex()));
        }
        if (after.has(OLDEST_PENDING)) {
            double lag = after.max(OLDEST_PENDING); // one sample per primary with several primaries
            double max = limits.maxLag().toMillis() / 1000.0;
            signals.add(new Signal("replicator", "lag_seconds", lag, max, true, lag <= max));
            double failed = seconds > 0
                    ? delta(before, after, FAILURES, Map.of("final", "true"))
                    : after.sum(QUEUE, Map.of("state", "failed"));
            signals.add(new Signal(
                    "replicator", "failed_work", failed, limits.maxFailed(), true, failed <= limits.maxFailed()));
        }
        return new Verdict(signals, window);
    }

    private static double delta(Samples before, Samples after, String name, Map<String, String> labels) {
        return Math.max(0, after.sum(name, labels) - before.sum(name, labels));
    }
}
