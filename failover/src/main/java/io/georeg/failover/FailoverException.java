package io.georeg.failover;

/** A drill or promotion step that could not be done; the message says what to fix. */
public class FailoverException extends RuntimeException {
    public FailoverException(String message) {
        super(message);
    }

    public FailoverException(String message, Throwable cause) {
        super(message, cause);
    }
}
