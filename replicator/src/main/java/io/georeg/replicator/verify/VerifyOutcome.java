package io.georeg.replicator.verify;

import java.util.Locale;

/**
 * What one verification found. {@code OK}, {@code FAILED} and {@code MISSING} are written to the
 * object's {@code verify_state}; {@code ERROR} (storage unreachable, read error) says nothing about
 * the object, so its claim is released and it is verified again in a later pass.
 */
public enum VerifyOutcome {
    OK,
    FAILED,
    MISSING,
    ERROR;

    /** The {@code verify_state} value, and the metrics label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when the stored copy is bad and must be copied again. */
    public boolean needsRepair() {
        return this == FAILED || this == MISSING;
    }
}
