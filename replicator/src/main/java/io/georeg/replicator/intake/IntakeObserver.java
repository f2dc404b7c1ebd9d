package io.georeg.replicator.intake;

/** What the intake reports per request (implemented by the metrics package). */
public interface IntakeObserver {
    IntakeObserver NONE = (outcome, events) -> {};

    /**
     * One request answered.
     *
     * @param outcome how it was answered; the metrics export every {@link IntakeOutcome} at 0 from
     *     the start, so that the first refusal is an increase Prometheus sees (a series that appears
     *     at 1 has increased by nothing, and a notification answered 200 with events refused is
     *     never re-sent)
     * @param events events in the envelope (0 when it was not read)
     */
    void requestHandled(IntakeOutcome outcome, int events);

    /**
     * An accepted envelope held an event whose action neither distribution nor GitLab's registry
     * sends: recorded, asking for no work. Counted per delivery.
     *
     * @param action the action as sent, or {@code other} when it is not a short lowercase word
     */
    default void unknownAction(String action) {}
}
