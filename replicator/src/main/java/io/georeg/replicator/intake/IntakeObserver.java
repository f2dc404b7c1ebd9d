package io.georeg.replicator.intake;

import java.util.List;

/** What the intake reports per request (implemented by the metrics package). */
public interface IntakeObserver {
    IntakeObserver NONE = (outcome, events) -> {};

    /**
     * Every outcome {@link IntakeHandler} reports: the first two are the requests whose events
     * were all recorded, every other one refused or failed at least part of a request. The metrics
     * export each at 0 from the start, so that the first refusal is an increase Prometheus sees (a
     * series that appears at 1 has increased by nothing, and a notification answered 200 with events
     * refused is never re-sent).
     */
    List<String> OUTCOMES = List.of(
            "accepted",
            "duplicate",
            "partly_malformed",
            "malformed",
            "unauthorized",
            "too_large",
            "unsupported_media_type",
            "method_not_allowed",
            "primary_binding_mismatch",
            "database_unavailable",
            "error");

    /**
     * One request answered.
     *
     * @param outcome one of {@link #OUTCOMES}: accepted, duplicate, partly_malformed (its readable
     *     events recorded, the others refused), unauthorized, too_large, malformed,
     *     unsupported_media_type, method_not_allowed, primary_binding_mismatch, database_unavailable,
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
