package io.georeg.replicator.binding;

/**
 * A replicator refused to start: its tracking database replicates other primaries
 * ({@link PrimaryBindingMismatch}). Thrown by {@link PrimaryBindingGuard#requireBound()} when a
 * {@code Replicator} is built, so {@code georeg serve} and every command that runs replicator work
 * exit non-zero with the message, which says what differs and what to do.
 */
public final class PrimaryBindingException extends RuntimeException {
    private final transient PrimaryBindingMismatch mismatch;

    public PrimaryBindingException(PrimaryBindingMismatch mismatch) {
        super(mismatch.explanation());
        this.mismatch = mismatch;
    }

    public PrimaryBindingMismatch mismatch() {
        return mismatch;
    }
}
