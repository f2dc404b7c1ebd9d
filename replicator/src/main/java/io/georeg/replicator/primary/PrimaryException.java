package io.georeg.replicator.primary;

import io.georeg.egress.EgressFailure;

/**
 * The primary registry answered something other than what was asked for, or could not be
 * reached. {@link #isTransient()} tells the worker whether trying again later can help: network
 * failures, timeouts, 429 and 5xx are transient; other answers (403, 400, content that does not
 * match its digest) are not expected to change by themselves.
 */
public class PrimaryException extends RuntimeException {
    private final int status;
    private final boolean transientFailure;

    public PrimaryException(String message, int status, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.transientFailure = transientFailure;
    }

    /** A failure judged by the HTTP status of the answer. */
    public static PrimaryException forStatus(String what, int status) {
        if (status == 407) {
            // The forward proxy, not the primary, refused: a configuration fix, retried once it is made.
            return new PrimaryException(what + ": " + EgressFailure.proxyAsksForAccount(), status, true, null);
        }
        boolean retry = status == 429 || status >= 500 || status == 408;
        return new PrimaryException(what + ": primary answered HTTP " + status, status, retry, null);
    }

    /** The primary could not be reached, or the connection broke. */
    public static PrimaryException unreachable(String what, Throwable cause) {
        // A certificate the replicator does not trust stays untrusted on retry, but the fix is a
        // configuration change: the copy stays transient and is retried once the key is set.
        return new PrimaryException(
                what + ": primary unreachable: " + EgressFailure.explain(cause).orElse(String.valueOf(cause)),
                0,
                true,
                cause);
    }

    /** HTTP status of the answer, 0 when there was none. */
    public int status() {
        return status;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
