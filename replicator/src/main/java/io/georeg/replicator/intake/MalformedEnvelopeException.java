package io.georeg.replicator.intake;

/**
 * A notification body that is not a valid distribution envelope; the message is the reason the
 * intake sends back with its 400. Thrown by {@link EnvelopeParser}.
 */
public class MalformedEnvelopeException extends RuntimeException {
    public MalformedEnvelopeException(String reason) {
        super(reason);
    }
}
