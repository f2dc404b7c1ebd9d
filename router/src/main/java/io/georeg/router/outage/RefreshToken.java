package io.georeg.router.outage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * An OAuth2 refresh token (distribution's token spec, "OAuth2 Token Authentication": the {@code
 * refresh_token} a token service answers a login with {@code offline_token=true} or {@code
 * access_type=offline}, and a client sends back with {@code grant_type=refresh_token}). Docker
 * keeps it as the identity token in place of the password after {@code docker login} against a
 * token service that issues one (Docker Hub's, cesanta docker_auth), and every later pull asks
 * with it alone: no user name, no password.
 *
 * <p>The token never leaves this record except into {@link #hash()}; {@link #toString()} leaves it
 * out. Tokens no token service would issue (shorter than {@value #MIN_CHARS} characters, longer
 * than {@value #MAX_BYTES} bytes, control characters) are never learned nor answered.
 */
public record RefreshToken(String token) implements Authentication {
    /**
     * The spec asks a token service for a "sufficiently long" token; shorter is not the secret
     * {@link #hash()} relies on (16 random base64 characters are 96 bits).
     */
    static final int MIN_CHARS = 16;

    static final int MAX_BYTES = 4096;

    private static final byte[] DOMAIN = "georeg outage refresh token\0".getBytes(StandardCharsets.UTF_8);

    /** The refresh token of a form's {@code refresh_token} field, or of a token answer; empty when none would be issued. */
    static Optional<RefreshToken> of(String token) {
        if (token == null
                || token.length() < MIN_CHARS
                || token.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES
                || token.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7f)) {
            return Optional.empty();
        }
        return Optional.of(new RefreshToken(token));
    }

    /**
     * What {@code outage_credentials.refresh_token_hash} holds: SHA-256 of the token (after a
     * label, so the value means nothing elsewhere). A fast, unsalted hash is enough here, unlike a
     * password's Argon2id ({@link PasswordHash}): a refresh token is a high-entropy secret the
     * token service generated, which no guessing walks back from its hash, while a password is
     * chosen by a person and guessable. And it must be deterministic: a refresh grant names no
     * user, so its row is found by this hash alone (an index), never by trying salted hashes. It is
     * not keyed: the key would have to be shared by every router of the site and outlive the site
     * key's rotations, and against a 96-bit-or-more secret a key adds nothing.
     */
    byte[] hash() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(DOMAIN);
            return sha.digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "RefreshToken[…]";
    }
}
