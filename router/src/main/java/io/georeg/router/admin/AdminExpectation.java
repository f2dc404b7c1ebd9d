package io.georeg.router.admin;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * The precondition of an admin switch ({@code "expect"} in the body of {@code PUT /-/admin/mode}
 * or {@code /-/admin/primary}): the switch is made only if the admin state is still in
 * {@code mode} and, when {@code primary} is given, sends writes to that primary (the stored URL,
 * or the configured one when none is stored). {@code georeg drill} and {@code georeg promote}
 * send one with every switch after their first, so that a run never overwrites what another
 * operator switched meanwhile: a drill's restore to {@code normal} landing in the middle of a
 * promotion would unfreeze writes to the old primary, whose pushes after the final reconcile would
 * be lost. Compared in one statement by {@link DatabaseAdminStateStore}, against the state applied
 * on this router when the switch cannot be stored ({@link SiteControl}).
 *
 * @param primary           the origin the primary must be; empty: the primary is not compared
 * @param configuredPrimary this router's {@code router.primaryUrl} as an origin: what a state
 *                          without a stored primary sends writes to
 */
public record AdminExpectation(RouterMode mode, Optional<URI> primary, URI configuredPrimary) {

    public AdminExpectation {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(configuredPrimary, "configuredPrimary");
    }

    /** Whether {@code state} is what this expects. */
    public boolean matches(AdminState state) {
        return state.mode() == mode
                && primary.map(p -> p.equals(state.primaryUrl().orElse(configuredPrimary)))
                        .orElse(true);
    }

    /** Throws {@link AdminStateChanged} unless {@code state} is what this expects. */
    void check(AdminState state) {
        if (!matches(state)) {
            throw new AdminStateChanged(this, state);
        }
    }

    /** {@code mode M and primary P}, for the 409's words. */
    String describe() {
        return "mode " + mode.label() + primary.map(p -> " and primary " + p).orElse("");
    }
}
