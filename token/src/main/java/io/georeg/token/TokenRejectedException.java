package io.georeg.token;

/** A bearer token failed verification; the message says why (logged, never sent to the client). */
public class TokenRejectedException extends Exception {
    public TokenRejectedException(String message) {
        super(message);
    }

    public TokenRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
