package io.georeg.replicator.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How long the queue tables keep history, under {@code replicator.retention.*}. Received events
 * only need to outlive the registry's re-sends of them (distribution stops re-sending once it gets
 * a 2xx), done work items only serve coalescing and lag: both can go after a while, or pulls alone
 * would grow the tables without bound. Failed and unfinished items are never pruned.
 *
 * @param events how long received events are kept
 * @param doneItems how long finished work items are kept
 * @param interval how often the pruning runs (and the removal of abandoned writes)
 * @param abandonedWrites how long ago a streamed write into storage must have begun before what it
 *     left uncommitted counts as abandoned (a copy killed mid-write) and is removed; longer than the
 *     longest copy of one blob, since a write in progress is told from an abandoned one by age
 */
public record RetentionConfig(Duration events, Duration doneItems, Duration interval, Duration abandonedWrites) {

    public static RetentionConfig defaults() {
        return new RetentionConfig(Duration.ofDays(7), Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24));
    }

    public RetentionConfig validate() {
        List<String> problems = new ArrayList<>();
        if (events == null || events.toMinutes() < 10) {
            problems.add(
                    "replicator.retention.events must be at least 10m, longer than the registry re-sends an event (got "
                            + events + ")");
        }
        if (doneItems == null || doneItems.isNegative()) {
            problems.add("replicator.retention.doneItems must not be negative (got " + doneItems + ")");
        }
        if (interval == null || interval.toSeconds() < 1) {
            problems.add("replicator.retention.interval must be at least 1s (got " + interval + ")");
        }
        if (abandonedWrites == null || abandonedWrites.toMinutes() < 60) {
            problems.add(
                    "replicator.retention.abandonedWrites must be at least 1h, longer than the longest copy of one blob"
                            + " (got " + abandonedWrites + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid replicator retention configuration: " + String.join("; ", problems));
        }
        return this;
    }
}
