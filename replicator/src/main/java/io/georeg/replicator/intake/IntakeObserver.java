package io.georeg.replicator.intake;

/** What the intake reports per request (implemented by the metrics package). */
public interface IntakeObserver {
    IntakeObserver NONE = (outcome, events) -> {};

    /**
     * One request answered.
     *
     * @param outcome accepted, duplicate, partly_malformed (its readable events recorded, the others
     *     refused), unauthorized, too_large, malformed, unsupported_media_type, database_unavailable,
     *     error
     * @param events events in the envelope (0 when it was not read)
     */
    void requestHandled(String outcome, int events);

    /**
     * An accepted envelope held an event whose action neither distribution nor GitLab's registry
     * sends: recorded, asking for no work. Counted per delivery.
     *
     * @param action the action as sent, or {@code other} when it is not a short lowercase word
     */
    default void unknownAction(String action) {}
}
