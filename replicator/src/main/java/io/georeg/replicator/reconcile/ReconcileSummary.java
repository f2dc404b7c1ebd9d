package io.georeg.replicator.reconcile;

import java.time.Duration;
import java.util.List;

/**
 * What one reconcile pass found and queued; printed by {@code georeg reconcile}, logged by the
 * scheduled pass.
 *
 * @param errors one line per repository that could not be crawled (the pass goes on)
 */
public record ReconcileSummary(
        int repositories,
        int tagsChecked,
        int tagPushesQueued,
        int tagDeletesQueued,
        int referrersQueued,
        List<String> errors,
        Duration took) {

    public ReconcileSummary {
        errors = List.copyOf(errors);
    }

    /** This summary with {@code more} errors before its own (e.g. a listing the primary refused). */
    public ReconcileSummary withErrors(List<String> more) {
        List<String> all = new java.util.ArrayList<>(more);
        all.addAll(errors);
        return new ReconcileSummary(
                repositories, tagsChecked, tagPushesQueued, tagDeletesQueued, referrersQueued, all, took);
    }

    /** This pass and {@code other} together (the passes over several primaries); their times add up. */
    public ReconcileSummary plus(ReconcileSummary other) {
        List<String> all = new java.util.ArrayList<>(errors);
        all.addAll(other.errors);
        return new ReconcileSummary(
                repositories + other.repositories,
                tagsChecked + other.tagsChecked,
                tagPushesQueued + other.tagPushesQueued,
                tagDeletesQueued + other.tagDeletesQueued,
                referrersQueued + other.referrersQueued,
                all,
                took.plus(other.took));
    }

    public int queued() {
        return tagPushesQueued + tagDeletesQueued + referrersQueued;
    }

    @Override
    public String toString() {
        return repositories + " repositories, " + tagsChecked + " tags checked; queued " + tagPushesQueued
                + " tag copies, "
                + tagDeletesQueued + " tag deletes, " + referrersQueued + " referrers; " + errors.size()
                + " errors; took "
                + took.toMillis() + " ms";
    }
}
