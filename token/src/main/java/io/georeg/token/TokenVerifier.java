package io.georeg.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.georeg.token.site.SitePublicKeys;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a bearer token the way distribution 2.8's {@code registry/auth/token} does, with
 * nimbus-jose-jwt doing the JOSE work:
 * <ul>
 *   <li>signature algorithms RS256/384/512 and ES256/384/512 only; {@code none} and the HMAC
 *       family are refused (a shared secret is not how {@code auth.token} works);
 *   <li>the signing key comes from the {@code x5c} chain, which must verify (PKIX, no
 *       revocation) up to a certificate of the root bundle, or from {@code kid}, the libtrust
 *       key ID of a bundle certificate's key;
 *   <li>{@code iss} equals the issuer, {@code aud} contains the service, {@code exp} is present
 *       and not past, {@code nbf} not in the future, both with the clock skew;
 *   <li>the {@code access} claim is read into the grants of a {@link VerifiedToken}.
 * </ul>
 * With the site's public keys ({@link SitePublicKeys}, {@code auth.outage}) it also accepts the outage
 * tokens a router of this site mints while the primary's token service is down: signed by a site
 * key named by {@code kid}, {@code iss} the site's issuer (never the primary's), and only their
 * {@code pull} grants count whatever else they claim. Called by registry-read's token
 * authenticator on a cache miss, and by the router on the primary's token answers.
 */
public final class TokenVerifier {
    private static final Set<JWSAlgorithm> ALLOWED = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);

    private final TokenAuthConfig config;
    private final TrustedKeys trusted;
    private final SiteTrust site;
    private final Clock clock;

    /** The site's public keys and the issuer its outage tokens carry. */
    public record SiteTrust(String issuer, SitePublicKeys keys) {}

    public TokenVerifier(TokenAuthConfig config, TrustedKeys trusted, Clock clock) {
        this(config, trusted, null, clock);
    }

    /** {@code site} null: only the primary's tokens are accepted. */
    public TokenVerifier(TokenAuthConfig config, TrustedKeys trusted, SiteTrust site, Clock clock) {
        this.config = config;
        this.trusted = trusted;
        this.site = site;
        this.clock = clock;
    }

    public VerifiedToken verify(String token) throws TokenRejectedException {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            // Includes alg "none": nimbus refuses to read an unsecured JWT as a signed one.
            throw new TokenRejectedException("malformed or unsigned token: " + e.getMessage(), e);
        }
        JWSHeader header = jwt.getHeader();
        if (!ALLOWED.contains(header.getAlgorithm())) {
            throw new TokenRejectedException("signature algorithm " + header.getAlgorithm() + " is not accepted");
        }
        PublicKey siteKey =
                site == null || hasChain(header) ? null : site.keys().trusted(header.getKeyID());
        PublicKey key = siteKey != null ? siteKey : signingKey(header);
        try {
            if (!jwt.verify(verifierFor(header.getAlgorithm(), key))) {
                throw new TokenRejectedException("signature does not verify");
            }
        } catch (JOSEException e) {
            throw new TokenRejectedException("signature cannot be verified: " + e.getMessage(), e);
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new TokenRejectedException("claims are not a JSON object: " + e.getMessage(), e);
        }
        return siteKey != null ? checkClaims(claims, site.issuer(), true) : checkClaims(claims, config.issuer(), false);
    }

    private static boolean hasChain(JWSHeader header) {
        return header.getX509CertChain() != null && !header.getX509CertChain().isEmpty();
    }

    private PublicKey signingKey(JWSHeader header) throws TokenRejectedException {
        List<Base64> x5c = header.getX509CertChain();
        if (x5c != null && !x5c.isEmpty()) {
            return verifiedChainKey(x5c);
        }
        PublicKey byKid = trusted.byKeyId(header.getKeyID());
        if (byKid != null) {
            return byKid;
        }
        throw new TokenRejectedException(
                header.getKeyID() == null
                        ? "token has neither an x5c chain nor a kid"
                        : "kid " + header.getKeyID() + " matches no certificate of the root bundle");
    }

    private PublicKey verifiedChainKey(List<Base64> x5c) throws TokenRejectedException {
        List<X509Certificate> chain = new ArrayList<>(x5c.size());
        for (Base64 der : x5c) {
            X509Certificate c = X509CertUtils.parse(der.decode());
            if (c == null) {
                throw new TokenRejectedException("x5c holds a certificate that cannot be parsed");
            }
            chain.add(c);
        }
        try {
            CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
            PKIXParameters params = new PKIXParameters(trusted.anchors());
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (GeneralSecurityException e) {
            throw new TokenRejectedException("x5c chain does not verify up to the root bundle: " + e.getMessage(), e);
        }
        return chain.get(0).getPublicKey();
    }

    private static JWSVerifier verifierFor(JWSAlgorithm alg, PublicKey key)
            throws TokenRejectedException, JOSEException {
        if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAPublicKey rsa) {
            return new RSASSAVerifier(rsa);
        }
        if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECPublicKey ec) {
            return new ECDSAVerifier(ec);
        }
        throw new TokenRejectedException("algorithm " + alg + " does not fit a " + key.getAlgorithm() + " key");
    }

    private VerifiedToken checkClaims(JWTClaimsSet claims, String issuer, boolean pullOnly)
            throws TokenRejectedException {
        if (!issuer.equals(claims.getIssuer())) {
            throw new TokenRejectedException("issuer " + claims.getIssuer() + " is not " + issuer);
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(config.service())) {
            throw new TokenRejectedException("audience " + aud + " does not contain " + config.service());
        }
        Instant now = clock.instant();
        Duration skew = config.clockSkew();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new TokenRejectedException("token has no exp");
        }
        Instant validUntil = exp.toInstant().plus(skew);
        if (!now.isBefore(validUntil)) {
            throw new TokenRejectedException("token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant().minus(skew))) {
            throw new TokenRejectedException("token not valid before " + nbf.toInstant());
        }
        Set<String> grants = grants(claims.getClaim("access"));
        if (pullOnly) {
            // An outage token never grants more than pull, whatever it says.
            grants = grants.stream()
                    .filter(g -> g.startsWith("repository:") && g.endsWith(":pull"))
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
        }
        return new VerifiedToken(claims.getSubject(), validUntil, grants);
    }

    private static Set<String> grants(Object access) throws TokenRejectedException {
        if (access == null) {
            return Set.of();
        }
        if (!(access instanceof List<?> entries)) {
            throw new TokenRejectedException("access claim is not a list");
        }
        Set<String> out = new HashSet<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> m)
                    || !(m.get("type") instanceof String type)
                    || !(m.get("name") instanceof String name)) {
                throw new TokenRejectedException("access entry is not {type, name, actions}: " + entry);
            }
            Object actions = m.get("actions");
            if (actions instanceof List<?> list) {
                for (Object a : list) {
                    if (a instanceof String action) {
                        out.add(type + ":" + name + ":" + action);
                    }
                }
            } else if (actions != null) {
                throw new TokenRejectedException("access actions of " + type + ":" + name + " are not a list");
            }
        }
        return Set.copyOf(out);
    }
}
