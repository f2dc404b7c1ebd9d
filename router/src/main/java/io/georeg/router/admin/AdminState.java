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

    /** This state with the mode switched, as of {@code at}. */
    public AdminState withMode(RouterMode next, String why, Instant at) {
        return new AdminState(next, why, primaryUrl, at);
    }

    /** This state with the primary switched ({@code url} empty: the configured one), as of {@code at}. */
    public AdminState withPrimary(Optional<URI> url, Instant at) {
        return new AdminState(mode, reason, url, at);
    }

    /** {@code mode <label> and primary <url>}: what a router goes on with while its store fails, for its log. */
    String summary(URI configuredPrimary) {
        return "mode " + mode.label() + " and primary " + primaryUrl.orElse(configuredPrimary);
    }

    public static AdminState initial() {
        return new AdminState(RouterMode.NORMAL, "", Optional.empty(), Instant.EPOCH);
    }
}
