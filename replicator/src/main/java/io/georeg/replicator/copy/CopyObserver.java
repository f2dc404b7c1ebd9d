package io.georeg.replicator.copy;

/** What the copiers report (implemented by the metrics package). */
public interface CopyObserver {
    CopyObserver NONE = new CopyObserver() {};

    /** A blob's bytes were copied from the primary. */
    default void blobCopied(long bytes) {}

    /** A blob already stored (for any repository) was linked instead of copied. */
    default void blobDeduplicated() {}

    default void manifestCopied() {}

    default void deletePropagated() {}
}
