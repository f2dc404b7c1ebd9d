package io.georeg.token;

import java.util.Optional;

/**
 * The token of an {@code Authorization: Bearer <token>} header (RFC 6750; the scheme's name is
 * case-insensitive): one reading for every place that takes one (registry-read's token check, the
 * router's admin API and its outage shield).
 */
public final class BearerToken {
    private static final String SCHEME = "Bearer ";

    private BearerToken() {}

    /** The token, trimmed; empty when the header is absent or of another scheme. */
    public static Optional<String> of(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Optional.empty();
        }
        return Optional.of(authorization.substring(SCHEME.length()).trim());
    }
}
