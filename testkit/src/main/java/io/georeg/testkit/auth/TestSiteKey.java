package io.georeg.testkit.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * A freshly generated site signing key for outage-token tests, as the PEM text an operator puts
 * in {@code auth.outage.signingKey} (PKCS#8 {@code PRIVATE KEY}) and, for rotations, the PEM
 * {@code PUBLIC KEY} of {@code auth.outage.previousPublicKey}.
 */
public record TestSiteKey(KeyPair keys) {

    public static TestSiteKey rsa() {
        return generate("RSA");
    }

    public static TestSiteKey ec() {
        return generate("EC");
    }

    /** An RSA key too short to be accepted (1024 bits). */
    public static TestSiteKey weakRsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(1024);
            return new TestSiteKey(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String privatePem() {
        return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    }

    public String publicPem() {
        return pem("PUBLIC KEY", keys.getPublic().getEncoded());
    }

    private static TestSiteKey generate(String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return new TestSiteKey(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + algorithm + " site key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }
}
