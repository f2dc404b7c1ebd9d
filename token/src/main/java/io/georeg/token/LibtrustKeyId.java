package io.georeg.token;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;

/**
 * The key ID of docker/libtrust, which distribution 2.8 and GitLab put in a token's {@code kid}:
 * SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 (RFC 4648, no padding: 48
 * characters), in 12 groups of 4 joined by ':' (libtrust {@code keyIDFromCryptoKey}).
 */
public final class LibtrustKeyId {
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private LibtrustKeyId() {}

    public static String of(PublicKey key) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
        // 30 bytes = 240 bits = 48 base32 characters, no padding needed.
        StringBuilder b32 = new StringBuilder(48);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < 30; i++) {
            buffer = (buffer << 8) | (hash[i] & 0xff);
            bits += 8;
            while (bits >= 5) {
                b32.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        StringBuilder out = new StringBuilder(59);
        for (int i = 0; i < 48; i += 4) {
            if (i > 0) {
                out.append(':');
            }
            out.append(b32, i, i + 4);
        }
        return out.toString();
    }
}
