package io.georeg.testkit.history;

/**
 * What the checker found wrong, with the operations that show it.
 *
 * @param read the read that saw too old (or an impossible) state; null for a divergence after quiescence
 * @param write the write that completed before the read began and that the read should have seen; may be null
 */
public record Violation(Kind kind, String key, Op read, Op write, String detail) {
    public enum Kind {
        /** A read returned a value older than a write that completed before the read began. */
        STALE_READ,
        /** A read returned a value that no write (begun before the read ended) could have produced. */
        UNKNOWN_VALUE,
        /** A set read lacked a member whose add completed before the read began. */
        MISSING_MEMBER,
        /** A set read had a member nobody had begun to add before the read ended. */
        PHANTOM_MEMBER,
        /** After quiescence, the replica's value differs from the primary's. */
        DIVERGED
    }

    @Override
    public String toString() {
        return kind + " " + key + ": " + detail + (read == null ? "" : "\n    read:  " + read)
                + (write == null ? "" : "\n    write: " + write);
    }
}
