package io.georeg.app.wiring;

/** The tracking database's schema is one this binary must not run on; the message says what to run. */
public final class SchemaMismatchException extends RuntimeException {
    public SchemaMismatchException(String message) {
        super(message);
    }
}
