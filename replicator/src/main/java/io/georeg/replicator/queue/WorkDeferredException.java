package io.georeg.replicator.queue;

import java.time.Duration;

/**
 * A work item cannot be carried out <em>yet</em>: the primary is expected to show what the item
 * is about in a moment (e.g. distribution links a pushed tag just after notifying it). The item
 * runs again after {@code delay} without the run counting as a failure (no failure metric, no
 * failed state however many attempts); a newer request for the item makes it run at once. The
 * handler bounds how often it defers one request (by {@link WorkItem#attempts()}).
 */
public final class WorkDeferredException extends RuntimeException {
    private final Duration delay;

    public WorkDeferredException(String message, Duration delay) {
        super(message, null, false, false);
        this.delay = delay;
    }

    public Duration delay() {
        return delay;
    }
}
