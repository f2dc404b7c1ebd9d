package io.georeg.router.admin;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the admin endpoint sets, as stored by an {@link AdminStateStore}: the router mode with the
 * operator's reason, and the primary URL a promotion switched to (empty: the configured
 * {@code router.primaryUrl}).
 */
public record AdminState(RouterMode mode, String reason, Optional<URI> primaryUrl, Instant updatedAt) {

    public AdminState {
        Objects.requireNonNull(mode, "mode");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(primaryUrl, "primaryUrl");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public static AdminState initial() {
        return new AdminState(RouterMode.NORMAL, "", Optional.empty(), Instant.EPOCH);
    }
}
