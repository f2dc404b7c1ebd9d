package io.georeg.router.outage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * What a token request authenticates with: a user name and password (HTTP Basic, or the fields of
 * an OAuth2 password grant: {@link TokenRequest}), or none (anonymous: user {@code ""}, no
 * password). {@link #fromAuthorization} reads the header the way the primary's token service does
 * and refuses what no token service would accept (not Basic, bad base64, no colon, control
 * characters, a user name over 256 or a password over 4096 bytes) — such a request is
 * forwarded while the primary is up, but never learned nor answered by the router. The password
 * never leaves this record except into {@link PasswordHash}; {@link #toString()} leaves it out.
 */
public record Credentials(String username, String password) implements Authentication {
    static final int MAX_USERNAME = 256;
    static final int MAX_PASSWORD = 4096;
    public static final Credentials ANONYMOUS = new Credentials("", null);

    public boolean anonymous() {
        return password == null;
    }

    /** The credentials of an {@code Authorization} header; absent header: anonymous; empty: unusable. */
    public static Optional<Credentials> fromAuthorization(String header) {
        if (header == null) {
            return Optional.of(ANONYMOUS);
        }
        if (header.length() > 6 + (MAX_USERNAME + MAX_PASSWORD + 1) * 4 / 3 + 8
                || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return of(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    /**
     * A user name and password however the request carried them (Basic, or the fields of an OAuth2
     * password grant, {@link TokenRequest}), with the same checks: empty when no token service
     * would accept them.
     */
    static Optional<Credentials> of(String username, String password) {
        if (username == null
                || password == null
                || username.isEmpty()
                || password.isEmpty()
                || (username + password).chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)
                || username.getBytes(StandardCharsets.UTF_8).length > MAX_USERNAME
                || password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(username, password));
    }

    @Override
    public String toString() {
        return anonymous() ? "Credentials[anonymous]" : "Credentials[username=" + username + "]";
    }
}
