package io.georeg.replicator.verify;

import java.util.Locale;

/** The two kinds of stored object the verifier checks: rows of {@code blobs} and of {@code manifests}. */
public enum VerifyTarget {
    BLOB,
    MANIFEST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
