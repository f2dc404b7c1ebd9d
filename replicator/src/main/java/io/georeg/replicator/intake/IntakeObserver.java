package io.georeg.replicator.intake;

/** What the intake reports per request (implemented by the metrics package). */
public interface IntakeObserver {
    IntakeObserver NONE = (outcome, events) -> {};

    /**
     * One request answered.
     *
     * @param outcome accepted, duplicate, unauthorized, too_large, malformed, unsupported_media_type,
     *     database_unavailable, error
     * @param events events in the envelope (0 when it was not read)
     */
    void requestHandled(String outcome, int events);
}
