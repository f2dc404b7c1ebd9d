package io.georeg.testkit.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.georeg.testkit.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A stand-in for the primary's token service (GitLab's {@code /jwt/auth}, docker_auth) in
 * tests: a root CA, a leaf signing certificate issued by it, and a minter of JWTs in
 * distribution's {@code auth.token} format, good ones and every kind of bad one.
 *
 * <pre>{@code
 * TestTokenIssuer issuer = TestTokenIssuer.create(KeyKind.RSA, "test-issuer", "test-registry");
 * Path bundle = issuer.writeRootBundle(tempDir.resolve("root.pem"));   // auth.token.rootcertbundle
 * String ok      = issuer.token().pull("library/alpine").sign();        // x5c header
 * String kid     = issuer.token().pull("library/alpine").keyIdStyle().sign();
 * String expired = issuer.token().pull("a").expiresAt(Instant.now().minusSeconds(3600)).sign();
 * String forged  = issuer.token().pull("a").signWithUntrustedKey();
 * String none    = issuer.token().pull("a").unsigned();                  // alg: none
 * }</pre>
 * The root bundle holds the CA (x5c tokens chain up to it) and the leaf certificate itself
 * (kid tokens name its key, as GitLab's self-signed {@code registry.crt} setup does).
 * {@link #keyId(PublicKey)} is written independently of registry-read's implementation on
 * purpose: the issuer side must agree with the verifier side, not share its bugs.
 */
public final class TestTokenIssuer {

    /** The kind of signing key: RSA 2048 (RS256) or EC P-256 (ES256). */
    public enum KeyKind {
        RSA,
        EC
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyKind kind;
    private final String issuer;
    private final String service;
    private final X509Certificate root;
    private final X509Certificate leaf;
    private final KeyPair leafKeys;
    private final KeyPair untrustedKeys;
    private final X509Certificate untrustedCert;
    private final Clock clock;

    private TestTokenIssuer(KeyKind kind, String issuer, String service, Clock clock) {
        this.kind = kind;
        this.issuer = issuer;
        this.service = service;
        this.clock = clock;
        KeyPair rootKeys = generate(kind);
        this.root = certificate(
                "CN=georeg test root CA", rootKeys.getPublic(), "CN=georeg test root CA", rootKeys.getPrivate(), true);
        this.leafKeys = generate(kind);
        this.leaf = certificate(
                "CN=georeg test token signer",
                leafKeys.getPublic(),
                "CN=georeg test root CA",
                rootKeys.getPrivate(),
                false);
        // A look-alike CA and signer nobody trusts: its tokens are well formed but forged.
        KeyPair otherRoot = generate(kind);
        this.untrustedKeys = generate(kind);
        this.untrustedCert = certificate(
                "CN=georeg test token signer",
                untrustedKeys.getPublic(),
                "CN=georeg test root CA",
                otherRoot.getPrivate(),
                false);
    }

    public static TestTokenIssuer create(KeyKind kind, String issuer, String service) {
        return new TestTokenIssuer(kind, issuer, service, Clock.systemUTC());
    }

    public static TestTokenIssuer create(KeyKind kind, String issuer, String service, Clock clock) {
        return new TestTokenIssuer(kind, issuer, service, clock);
    }

    public String issuer() {
        return issuer;
    }

    public String service() {
        return service;
    }

    public X509Certificate rootCertificate() {
        return root;
    }

    public X509Certificate signingCertificate() {
        return leaf;
    }

    /** Writes the root CA and the signing certificate as PEM (the {@code rootcertbundle}). */
    public Path writeRootBundle(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, pem(root) + pem(leaf), StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write root bundle " + file, e);
        }
    }

    /** A new token with the issuer's iss and aud, valid for 5 minutes from now, no access yet. */
    public TokenSpec token() {
        return new TokenSpec();
    }

    /** The libtrust key ID of a public key (distribution 2.8 / GitLab {@code kid}). */
    public static String keyId(PublicKey key) {
        try {
            byte[] sum = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            // 240 bits as a big number, read 5 bits at a time from the top.
            BigInteger bits = new BigInteger(1, java.util.Arrays.copyOf(sum, 30));
            StringBuilder b32 = new StringBuilder();
            for (int i = 47; i >= 0; i--) {
                b32.append(alphabet.charAt(bits.shiftRight(i * 5).intValue() & 31));
            }
            List<String> groups = new ArrayList<>();
            for (int i = 0; i < 48; i += 4) {
                groups.add(b32.substring(i, i + 4));
            }
            return String.join(":", groups);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One token being built: claims, then how to sign it. */
    public final class TokenSpec {
        private String iss = issuer;
        private List<String> audience = List.of(service);
        private String subject = "test-user";
        private Instant expiresAt = clock.instant().plus(Duration.ofMinutes(5));
        private Instant notBefore = clock.instant().minusSeconds(1);
        private final List<Map<String, Object>> access = new ArrayList<>();
        private boolean keyIdStyle;

        public TokenSpec subject(String s) {
            this.subject = s;
            return this;
        }

        public TokenSpec issuer(String s) {
            this.iss = s;
            return this;
        }

        public TokenSpec audience(String... aud) {
            this.audience = List.of(aud);
            return this;
        }

        public TokenSpec expiresAt(Instant t) {
            this.expiresAt = t;
            return this;
        }

        public TokenSpec notBefore(Instant t) {
            this.notBefore = t;
            return this;
        }

        /** Grants {@code actions} on a resource, e.g. ("repository", "a/b", "pull", "push"). */
        public TokenSpec access(String type, String name, String... actions) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", type);
            entry.put("name", name);
            entry.put("actions", List.of(actions));
            access.add(entry);
            return this;
        }

        public TokenSpec pull(String repository) {
            return access("repository", repository, "pull");
        }

        public TokenSpec catalog() {
            return access("registry", "catalog", "*");
        }

        /** Name the key with {@code kid} (libtrust key ID) instead of an {@code x5c} chain. */
        public TokenSpec keyIdStyle() {
            this.keyIdStyle = true;
            return this;
        }

        public JWTClaimsSet claims() {
            return new JWTClaimsSet.Builder()
                    .issuer(iss)
                    .audience(audience)
                    .subject(subject)
                    .issueTime(Date.from(clock.instant()))
                    .notBeforeTime(notBefore == null ? null : Date.from(notBefore))
                    .expirationTime(expiresAt == null ? null : Date.from(expiresAt))
                    .jwtID(UUID.randomUUID().toString())
                    .claim("access", List.copyOf(access))
                    .build();
        }

        /** Signed by the trusted leaf key. */
        public String sign() {
            return signWith(leafKeys.getPrivate(), leaf);
        }

        /** Signed by a key whose chain ends in a CA that is not in the root bundle. */
        public String signWithUntrustedKey() {
            return signWith(untrustedKeys.getPrivate(), untrustedCert);
        }

        /** The trusted x5c/kid header, but the signature is made by another key. */
        public String signWithTrustedHeaderButWrongKey() {
            return signWithHeader(header(leaf), untrustedKeys.getPrivate());
        }

        /** {@code alg: none}, no signature. */
        public String unsigned() {
            return new PlainJWT(claims()).serialize();
        }

        /** HS256 with a shared secret, which {@code auth.token} never accepts. */
        public String signHs256(byte[] secret) {
            try {
                SignedJWT jwt = new SignedJWT(
                        new JWSHeader.Builder(JWSAlgorithm.HS256)
                                .keyID(keyId(leaf.getPublicKey()))
                                .build(),
                        claims());
                jwt.sign(new MACSigner(secret));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign HS256 test token", e);
            }
        }

        private String signWith(PrivateKey key, X509Certificate cert) {
            return signWithHeader(header(cert), key);
        }

        private JWSHeader header(X509Certificate cert) {
            JWSHeader.Builder h = new JWSHeader.Builder(kind == KeyKind.RSA ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256);
            if (keyIdStyle) {
                h.keyID(keyId(cert.getPublicKey()));
            } else {
                try {
                    h.x509CertChain(List.of(Base64.encode(cert.getEncoded())));
                } catch (CertificateEncodingException e) {
                    throw new IllegalStateException(e);
                }
            }
            return h.build();
        }

        private String signWithHeader(JWSHeader header, PrivateKey key) {
            try {
                JWSSigner signer = key instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(key);
                SignedJWT jwt = new SignedJWT(header, claims());
                jwt.sign(signer);
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign test token", e);
            }
        }
    }

    private static KeyPair generate(KeyKind kind) {
        try {
            if (kind == KeyKind.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048, RANDOM);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + kind + " key pair", e);
        }
    }

    private static X509Certificate certificate(
            String subject, PublicKey key, String issuerName, PrivateKey issuerKey, boolean ca) {
        return TestCertificates.issue(subject, key, issuerName, issuerKey, ca, Duration.ofDays(365), null);
    }

    private static String pem(X509Certificate cert) {
        return TestCertificates.pem(cert);
    }
}
