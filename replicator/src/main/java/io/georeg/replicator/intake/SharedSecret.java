package io.georeg.replicator.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks the notification sender's shared secret in constant time
 * ({@link MessageDigest#isEqual}), so response timing tells an attacker nothing about how much of
 * a guess was right. Accepts {@code Bearer <secret>} or the bare secret. Used by {@link IntakeHandler}.
 */
final class SharedSecret {
    private static final String BEARER = "bearer ";
    private final byte[] expected;

    SharedSecret(String secret) {
        this.expected = secret.getBytes(StandardCharsets.UTF_8);
    }

    boolean matches(String headerValue) {
        if (headerValue == null) {
            return false;
        }
        String value = headerValue.strip();
        if (value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            value = value.substring(BEARER.length()).strip();
        }
        return MessageDigest.isEqual(expected, value.getBytes(StandardCharsets.UTF_8));
    }
}
