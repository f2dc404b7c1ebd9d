package io.georeg.replicator.queue;

import java.time.Duration;

/** What the scheduler reports about finished items (implemented by the metrics package). */
public interface WorkObserver {
    WorkObserver NONE = new WorkObserver() {};

    /** The item is applied; {@code lag} runs from its oldest request's timestamp. */
    default void applied(WorkItem item, Duration lag) {}

    /** An attempt failed; {@code newState} is pending (retry later) or failed. */
    default void attemptFailed(WorkItem item, FailureReason reason, WorkState newState) {}
}
