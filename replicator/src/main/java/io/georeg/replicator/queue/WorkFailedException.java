package io.georeg.replicator.queue;

/**
 * A work item could not be carried out; {@code permanent} failures (the primary does not have the
 * manifest, the manifest is malformed) fail the item at once, transient ones are retried with
 * backoff until the attempts run out. The message is stored as the item's {@code last_error}.
 */
public class WorkFailedException extends RuntimeException {
    private final boolean permanent;
    private final boolean limitedAttempts;
    private final FailureReason reason;

    public WorkFailedException(FailureReason reason, String message, boolean permanent, Throwable cause) {
        this(reason, message, permanent, true, cause);
    }

    private WorkFailedException(
            FailureReason reason, String message, boolean permanent, boolean limitedAttempts, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.permanent = permanent;
        this.limitedAttempts = limitedAttempts;
    }

    /**
     * A failure of this site's own storage or tracking database: it says nothing about the item,
     * so it is retried with backoff for as long as the outage lasts, never failed for running out
     * of attempts. Counted as one, an outage of a few minutes (eight attempts with the default
     * backoff take about two) failed every item it met, and they waited for {@code georeg retry}.
     */
    public static WorkFailedException ownBackend(FailureReason reason, String message, Throwable cause) {
        return new WorkFailedException(reason, message, false, false, cause);
    }

    public boolean permanent() {
        return permanent;
    }

    /** False when the item is retried however many attempts it has had ({@link #ownBackend}). */
    public boolean limitedAttempts() {
        return limitedAttempts;
    }

    /** Why, as {@code georeg_replication_failures_total}'s {@code reason} says it. */
    public FailureReason reason() {
        return reason;
    }
}
