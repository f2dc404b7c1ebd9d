package io.georeg.token.site;

import com.nimbusds.jose.JWSAlgorithm;
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
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The site's PEM key text read into JCA keys, for {@link SiteKeys} (the router's signing key) and
 * {@link SitePublicKeys} (what verifiers trust): a private key (PKCS#8, PKCS#1 RSA, SEC1 EC) with
 * its public half, or a public key alone. Every refusal names the configuration key the text came
 * from. RSA of at least 2048 bits signs RS256, EC P-256 signs ES256; nothing else is accepted.
 */
final class PemKeys {
    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private PemKeys() {}

    /** A key read from PEM: {@code privateKey} null when the text held a public key. */
    record Read(PrivateKey privateKey, PublicKey publicKey) {}

    static Read read(String pem, String configKey) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            parsed = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException(configKey + " is not a readable PEM key: " + e.getMessage(), e);
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            return switch (parsed) {
                case PEMKeyPair pair ->
                    new Read(
                            converter.getPrivateKey(pair.getPrivateKeyInfo()),
                            converter.getPublicKey(pair.getPublicKeyInfo()));
                case PrivateKeyInfo info -> {
                    PrivateKey privateKey = converter.getPrivateKey(info);
                    yield new Read(privateKey, publicOf(privateKey, configKey));
                }
                case SubjectPublicKeyInfo info -> new Read(null, converter.getPublicKey(info));
                case null ->
                    throw new IllegalArgumentException(
                            configKey
                                    + " holds no PEM block: expected -----BEGIN PRIVATE KEY----- or -----BEGIN PUBLIC KEY-----");
                default ->
                    throw new IllegalArgumentException(
                            configKey + " holds a PEM " + parsed.getClass().getSimpleName()
                                    + ", not an unencrypted RSA or EC key: convert it with `openssl pkcs8 -topk8 -nocrypt`");
            };
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(configKey + " cannot be read as an RSA or EC key: " + e.getMessage(), e);
        }
    }

    /** RS256 or ES256 for a key of the accepted kinds. */
    static JWSAlgorithm algorithmOf(PublicKey key, String configKey) {
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
}
