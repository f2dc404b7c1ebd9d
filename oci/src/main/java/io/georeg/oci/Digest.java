package io.georeg.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec defines it ({@code algorithm ":" encoded}). Only the
 * registered algorithms sha256 and sha512 are accepted; anything else is refused at parse time so
 * that no unverifiable digest ever reaches storage or the database.
 */
public record Digest(Algorithm algorithm, String hex) implements Comparable<Digest> {

    /** The algorithms georeg can verify, with the length of their lowercase hex encoding. */
    public enum Algorithm {
        SHA256("sha256", "SHA-256", 64),
        SHA512("sha512", "SHA-512", 128);

        private final String prefix;
        private final String jcaName;
        private final int hexLength;

        Algorithm(String prefix, String jcaName, int hexLength) {
            this.prefix = prefix;
            this.jcaName = jcaName;
            this.hexLength = hexLength;
        }

        public String prefix() {
            return prefix;
        }

        public int hexLength() {
            return hexLength;
        }

        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jcaName + " is required by every Java runtime", e);
            }
        }

        static Algorithm byPrefix(String prefix) {
            for (Algorithm a : values()) {
                if (a.prefix.equals(prefix)) {
                    return a;
                }
            }
            return null;
        }
    }

    private static final Pattern GRAMMAR = Pattern.compile(PathGrammar.DIGEST);
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        if (algorithm == null
                || hex == null
                || hex.length() != algorithm.hexLength
                || !LOWER_HEX.matcher(hex).matches()) {
            throw invalid(algorithm == null ? String.valueOf(hex) : algorithm.prefix + ":" + hex, "malformed digest");
        }
    }

    /**
     * Parses a digest string. A string that is not of the spec's grammar, or of a registered
     * algorithm with the wrong encoding, is {@code DIGEST_INVALID}; a well-formed digest of an
     * algorithm georeg does not implement is {@code DIGEST_INVALID} too, with a message saying the
     * algorithm is unsupported: distribution 2.8 maps {@code digest.ErrDigestUnsupported} to
     * DIGEST_INVALID (400), and clients behind the router must see the same answer from both sites.
     */
    public static Digest parse(String text) {
        if (text == null || text.length() > 200 || !GRAMMAR.matcher(text).matches()) {
            throw invalid(text, "invalid digest format");
        }
        int colon = text.indexOf(':');
        Algorithm algorithm = Algorithm.byPrefix(text.substring(0, colon));
        if (algorithm == null) {
            throw new OciException(
                    ErrorCode.DIGEST_INVALID,
                    "unsupported digest algorithm " + text.substring(0, colon),
                    Map.of("digest", text));
        }
        return new Digest(algorithm, text.substring(colon + 1));
    }

    /** True when the text looks like a digest (has an algorithm prefix), not a tag. */
    public static boolean looksLikeDigest(String reference) {
        return reference != null && reference.indexOf(':') > 0;
    }

    public static Digest sha256(byte[] content) {
        return of(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(content));
    }

    public static Digest of(Algorithm algorithm, byte[] rawDigest) {
        return new Digest(algorithm, HexFormat.of().formatHex(rawDigest));
    }

    /** Digest of the same content under this digest's algorithm. */
    public Digest recompute(byte[] content) {
        return of(algorithm, algorithm.newMessageDigest().digest(content));
    }

    @Override
    public String toString() {
        return algorithm.prefix + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    private static OciException invalid(String text, String why) {
        return new OciException(ErrorCode.DIGEST_INVALID, why, Map.of("digest", String.valueOf(text)));
    }
}
