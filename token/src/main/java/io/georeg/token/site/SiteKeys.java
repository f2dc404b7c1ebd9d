package io.georeg.token.site;

import com.nimbusds.jose.JWSAlgorithm;
import io.georeg.token.LibtrustKeyId;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The site's token keys: the current signing key, which mints outage tokens, and the keys whose
 * tokens are trusted — the current one and, during a rotation, the previous one, so tokens signed
 * just before the switch stay valid until they expire. Each key is named by its libtrust key ID in
 * the token's {@code kid} header (distribution's convention), so a verifier picks the right one.
 * Loaded once from PEM text (the configuration reads it from a file or secret); RSA of at least
 * 2048 bits signs RS256, EC P-256 signs ES256, anything else is refused with the key it came from.
 */
public final class SiteKeys {
    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private final PrivateKey signingKey;
    private final String signingKeyId;
    private final JWSAlgorithm algorithm;
    private final Map<String, PublicKey> trusted;

    private SiteKeys(PrivateKey signingKey, PublicKey signingPublic, PublicKey previous) {
        this.signingKey = signingKey;
        this.signingKeyId = LibtrustKeyId.of(signingPublic);
        this.algorithm = algorithmOf(signingPublic, "auth.outage.signingKey");
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        keys.put(signingKeyId, signingPublic);
        if (previous != null) {
            algorithmOf(previous, "auth.outage.previousPublicKey");
            keys.putIfAbsent(LibtrustKeyId.of(previous), previous);
        }
        this.trusted = Map.copyOf(keys);
    }

    /**
     * @param signingKeyPem        the current private key
     * @param previousPublicKeyPem the retiring key's public (or private) key, or null/blank
     * @throws IllegalArgumentException naming the configuration key that is wrong
     */
    public static SiteKeys load(String signingKeyPem, String previousPublicKeyPem) {
        KeyPairText current = read(signingKeyPem, "auth.outage.signingKey");
        if (current.privateKey() == null) {
            throw new IllegalArgumentException(
                    "auth.outage.signingKey holds a public key: it must be the site's PEM private key");
        }
        PublicKey previous = OutageTokenConfig.blank(previousPublicKeyPem)
                ? null
                : read(previousPublicKeyPem, "auth.outage.previousPublicKey").publicKey();
        return new SiteKeys(current.privateKey(), current.publicKey(), previous);
    }

    public PrivateKey signingKey() {
        return signingKey;
    }

    /** The {@code kid} of tokens this site signs now. */
    public String signingKeyId() {
        return signingKeyId;
    }

    /** RS256 or ES256. */
    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The public key with this {@code kid}, current or previous; null when the site has none. */
    public PublicKey trusted(String kid) {
        return kid == null ? null : trusted.get(kid);
    }

    /** How many keys verify: 1, or 2 during a rotation. */
    public int trustedCount() {
        return trusted.size();
    }

    private record KeyPairText(PrivateKey privateKey, PublicKey publicKey) {}

    private static KeyPairText read(String pem, String key) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            parsed = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException(key + " is not a readable PEM key: " + e.getMessage(), e);
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            return switch (parsed) {
                case PEMKeyPair pair ->
                    new KeyPairText(
                            converter.getPrivateKey(pair.getPrivateKeyInfo()),
                            converter.getPublicKey(pair.getPublicKeyInfo()));
                case PrivateKeyInfo info -> {
                    PrivateKey privateKey = converter.getPrivateKey(info);
                    yield new KeyPairText(privateKey, publicOf(privateKey, key));
                }
                case SubjectPublicKeyInfo info -> new KeyPairText(null, converter.getPublicKey(info));
                case null ->
                    throw new IllegalArgumentException(
                            key
                                    + " holds no PEM block: expected -----BEGIN PRIVATE KEY----- (or a public key for auth.outage.previousPublicKey)");
                default ->
                    throw new IllegalArgumentException(
                            key + " holds a PEM " + parsed.getClass().getSimpleName()
                                    + ", not an unencrypted RSA or EC key: convert it with `openssl pkcs8 -topk8 -nocrypt`");
            };
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(key + " cannot be read as an RSA or EC key: " + e.getMessage(), e);
        }
    }

    /** The public half of a PKCS#8 private key, which does not always carry it. */
    private static PublicKey publicOf(PrivateKey key, String configKey) throws GeneralSecurityException {
        if (key instanceof RSAPrivateCrtKey rsa) {
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        }
        if (key instanceof ECPrivateKey ec) {
            if (!P256_ORDER.equals(ec.getParams().getOrder())) {
                throw new IllegalArgumentException(
                        configKey + " is an EC key on another curve than P-256: only ES256 (P-256) is supported");
            }
            ECNamedCurveParameterSpec p256 = ECNamedCurveTable.getParameterSpec("secp256r1");
            org.bouncycastle.math.ec.ECPoint q = p256.getG().multiply(ec.getS()).normalize();
            ECPoint w = new ECPoint(
                    q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
        }
        throw new IllegalArgumentException(
                configKey + " is a " + key.getAlgorithm() + " key: use RSA (RS256) or EC P-256 (ES256)");
    }

    private static JWSAlgorithm algorithmOf(PublicKey key, String configKey) {
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new IllegalArgumentException(
                        configKey + " is an RSA key of " + rsa.getModulus().bitLength() + " bits: use at least 2048");
            }
            return JWSAlgorithm.RS256;
        }
        if (key instanceof ECPublicKey ec && P256_ORDER.equals(ec.getParams().getOrder())) {
            return JWSAlgorithm.ES256;
        }
        throw new IllegalArgumentException(
                configKey + " is a " + key.getAlgorithm() + " key that is neither RSA nor EC P-256");
    }
}
