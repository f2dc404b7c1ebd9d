package io.georeg.replicator.intake;

import java.util.Locale;

/**
 * How the intake answered one notification request: the {@code outcome} label of its metric and,
 * for a refusal, the {@code error} word of the JSON body the sender gets. The first two recorded
 * every event of the request; every other one refused or failed at least part of it (the
 * rejected-notifications alert counts those).
 */
public enum IntakeOutcome {
    ACCEPTED,
    DUPLICATE,
    /** Its readable events recorded, the others refused with their reasons (answered 200). */
    PARTLY_MALFORMED,
    MALFORMED,
    UNAUTHORIZED,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    METHOD_NOT_ALLOWED,
    PRIMARY_BINDING_MISMATCH,
    DATABASE_UNAVAILABLE,
    ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The metric label and the body's {@code error} word, e.g. {@code too_large}. */
    public String label() {
        return label;
    }

    /** Whether the request's events (all or the readable ones) were recorded: they count as received. */
    public boolean recordedEvents() {
        return this == ACCEPTED || this == PARTLY_MALFORMED;
    }
}
