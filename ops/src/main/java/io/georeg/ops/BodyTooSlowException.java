package io.georeg.ops;

import java.io.IOException;

/**
 * A request body its client sent slower than the listener's minimum rate ({@link MinimumBodyRate}):
 * the client's fault, never the upstream's. The router answers it as the client's error and does
 * not count it against the primary's circuit, as it would a timeout of the primary.
 */
public final class BodyTooSlowException extends IOException {
    BodyTooSlowException(String message) {
        super(message);
    }

    /** Whether {@code failure} is, or was caused by, a body too slow. */
    public static boolean isCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BodyTooSlowException) {
                return true;
            }
        }
        return false;
    }
}
