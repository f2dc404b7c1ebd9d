package io.georeg.replicator.queue;

/**
 * A work item could not be carried out; {@code permanent} failures (the primary does not have the
 * manifest, the manifest is malformed) fail the item at once, transient ones are retried with
 * backoff until the attempts run out. The message is stored as the item's {@code last_error}.
 */
public class WorkFailedException extends RuntimeException {
    private final boolean permanent;
    private final String reasonCode;

    public WorkFailedException(String reasonCode, String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }

    /** A short, bounded label for metrics ({@code failures_total{reason=...}}). */
    public String reasonCode() {
        return reasonCode;
    }
}
