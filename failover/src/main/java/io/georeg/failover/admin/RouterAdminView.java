package io.georeg.failover.admin;

import java.net.URI;
import java.util.Optional;

/**
 * A router's answer from {@code /-/admin/mode} or {@code /-/admin/primary}.
 *
 * @param primaryCircuit         {@code open} while the router treats the primary as down (a real
 *                               outage or the drill's {@code primary-down})
 * @param primaryProbedReachable what the router's health probes alone say of the primary
 * @param publicUrl              the router's public URL, where clients pull ({@code router.publicUrl});
 *                               null from a router that does not report it
 * @param stored                 false when the router applied the switch but could not store it in
 *                               the shared admin state (its database stalled): other routers do not
 *                               have it and a restart loses it; true from a router that does not say
 * @param notStored              the router's own words on that, null when stored
 */
public record RouterAdminView(
        URI router,
        String mode,
        String reason,
        URI primaryUrl,
        String primaryCircuit,
        boolean primaryProbedReachable,
        URI publicUrl,
        boolean stored,
        String notStored) {

    /**
     * Why a drill or a promotion must not start switching this router: it is not in {@code normal}
     * mode, so another drill or promotion is running on it (or one could not restore it), and
     * switching it would end that one's mode — a drill's restore unfroze writes in the middle of a
     * promotion. Empty in {@code normal} mode.
     */
    public Optional<String> notNormal() {
        if ("normal".equals(mode)) {
            return Optional.empty();
        }
        return Optional.of(
                router + " is in mode " + mode + (reason == null || reason.isBlank() ? "" : " (" + reason + ")")
                        + ": another drill or promotion is running, or one could not restore it; if none is, set it back "
                        + "with PUT /-/admin/mode {\"mode\":\"normal\"}");
    }

    /**
     * What the step output says of a switch the router applied but did not store
     * (docs/failover.md, "When the tracking database does not answer"); empty when stored.
     */
    public Optional<String> notStoredWarning() {
        return stored
                ? Optional.empty()
                : Optional.of(router + " switched but NOT stored in the shared admin state: "
                        + (notStored == null || notStored.isBlank()
                                ? "the other routers do not have it and a restart loses it"
                                : notStored));
    }
}
