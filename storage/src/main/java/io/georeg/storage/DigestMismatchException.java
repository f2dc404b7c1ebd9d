package io.georeg.storage;

import io.georeg.oci.Digest;

/** The streamed bytes did not hash to the expected digest (or size); nothing was stored. */
public class DigestMismatchException extends StorageException {
    private final transient Digest expected;
    private final transient Digest actual;
    private final long expectedSize;
    private final long actualSize;

    public DigestMismatchException(Digest expected, Digest actual, long expectedSize, long actualSize) {
        super("content does not match " + expected + ": got " + actual + " (" + actualSize + " bytes"
                + (expectedSize >= 0 ? ", expected " + expectedSize : "") + ")");
        this.expected = expected;
        this.actual = actual;
        this.expectedSize = expectedSize;
        this.actualSize = actualSize;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }

    public long expectedSize() {
        return expectedSize;
    }

    public long actualSize() {
        return actualSize;
    }
}
