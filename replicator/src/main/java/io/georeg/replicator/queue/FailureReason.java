package io.georeg.replicator.queue;

import java.util.Locale;

/**
 * Why an attempt at a work item failed: the one list of reasons, each the bounded {@code reason}
 * label of {@code georeg_replication_failures_total}. The metrics export every reason at 0 from
 * the start, so that an alert's {@code increase()} sees the first failure of a kind after a
 * restart (a series born at 1 is no increase); docs/monitoring.md lists them with these meanings
 * (a docs test compares the two). Whether a failure is permanent is the thrower's to say
 * ({@link WorkFailedException}): the same reason may be either (a 4xx of the primary is permanent,
 * its 429 is not).
 */
public enum FailureReason {
    /** The primary does not have the manifest or blob (deleted since the event?). */
    NOT_FOUND,
    /** Content from the primary did not match its digest (retried: one bad answer may be a hiccup). */
    DIGEST_MISMATCH,
    /** No answer from the primary: connection refused or reset, timeout, TLS or name resolution. */
    PRIMARY_UNREACHABLE,
    /** The primary answered 5xx, 429 or 408: it could not serve now (retried). */
    PRIMARY_UNAVAILABLE,
    /** The primary refused the replicator's account (401, 403), or the forward proxy asked for one (407). */
    PRIMARY_REFUSED,
    /** Any other answer than the one asked for (a 400, a token answer without a token, a redirect without Location). */
    PRIMARY_UNEXPECTED_ANSWER,
    /** A manifest's references are not all on the replica yet (retried: they are being copied). */
    MISSING_REFERENCES,
    /** What the primary serves as a manifest is not one, or nests indexes too deep. */
    INVALID_MANIFEST,
    /** The tracking database could not be reached (retried for as long as it lasts). */
    DATABASE_UNAVAILABLE,
    /** The replica's blob storage failed (retried for as long as it lasts). */
    STORAGE,
    /** Reading or writing a stream failed. */
    IO,
    /** A repository's reconcile left paths unreconciled (retried). */
    RECONCILE_INCOMPLETE,
    /** The tag moved on the primary during every one of the syncs of it (retried). */
    TAG_MOVING,
    /** No primary owns the item's repository (see {@code primaries} and {@code defaultPrimary}). */
    NO_OWNER,
    /** The worker was interrupted (the replicator is stopping). */
    INTERRUPTED,
    /** Any other exception: a bug; the item's {@code last_error} and the log have it. */
    UNEXPECTED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The metric label, e.g. {@code digest_mismatch}. */
    public String label() {
        return label;
    }

    /**
     * The reason of an answer of the primary with this HTTP status, or {@code 0} for no answer.
     * The status stays in the item's {@code last_error}; the label keeps to a few values.
     */
    public static FailureReason ofPrimaryStatus(int status) {
        if (status == 0) {
            return PRIMARY_UNREACHABLE;
        }
        if (status >= 500 || status == 429 || status == 408) {
            return PRIMARY_UNAVAILABLE;
        }
        if (status == 401 || status == 403 || status == 407) {
            return PRIMARY_REFUSED;
        }
        return PRIMARY_UNEXPECTED_ANSWER;
    }
}
