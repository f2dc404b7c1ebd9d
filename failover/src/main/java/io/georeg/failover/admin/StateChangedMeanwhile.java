package io.georeg.failover.admin;

import io.georeg.failover.FailoverException;

/**
 * A router refused a switch of {@code georeg drill} or {@code georeg promote} (409) because its
 * admin state was no longer the one the run left it in: another operator, drill or promotion
 * switched it meanwhile, and the run did not overwrite that (a drill's restore to {@code normal}
 * would have unfrozen a promotion's writes). Thrown by {@link RouterAdminClient}; the message says
 * what the state is now and that it was left so.
 */
public final class StateChangedMeanwhile extends FailoverException {
    private final String mode;
    private final String primaryUrl;

    StateChangedMeanwhile(String message, String mode, String primaryUrl) {
        super(message);
        this.mode = mode;
        this.primaryUrl = primaryUrl;
    }

    /** The router's mode now. */
    public String mode() {
        return mode;
    }

    /** Where the router sends writes now. */
    public String primaryUrl() {
        return primaryUrl;
    }
}
