package io.georeg.replicator.binding;

/** Told each answer of {@link PrimaryBindingGuard}'s check: the replicator's metrics (the mismatch gauge). */
public interface PrimaryBindingObserver {
    PrimaryBindingObserver NONE = matches -> {};

    /** @param matches whether the stored binding equals this process's configuration */
    void bindingChecked(boolean matches);
}
