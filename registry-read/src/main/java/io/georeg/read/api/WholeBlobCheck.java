package io.georeg.read.api;

import java.util.Locale;

/**
 * How a whole blob GET's bytes were checked, set by {@link BlobEndpoint} as the request attribute
 * {@link #ATTRIBUTE} and counted by registry-read's metrics
 * ({@code georeg_read_whole_blob_gets_total{check}}, docs/monitoring.md).
 */
public enum WholeBlobCheck {
    /** A filesystem blob hashed as it was sent. */
    HASHED,
    /** A filesystem blob sent unhashed: its file is the one this process verified before ({@code once}). */
    VERIFIED_BEFORE,
    /** A filesystem blob sent unhashed: {@code registryRead.verifyServedBlobs: never}. */
    NEVER,
    /** An object-store blob, hashed as it was sent whatever the setting. */
    OBJECT_STORE;

    /** The request attribute that holds the check of a whole blob GET. */
    public static final String ATTRIBUTE = WholeBlobCheck.class.getName();

    /** The metric label: {@code hashed}, {@code verified_before}, {@code never}, {@code object_store}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
