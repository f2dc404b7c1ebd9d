package io.georeg.token.site;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints outage tokens: JWTs in distribution's {@code auth.token} format, signed with the site's
 * current key ({@code kid} in the header), whose {@code iss} is the site's issuer and whose
 * {@code access} holds {@code pull} on the given repositories and nothing else. The router calls it
 * after deciding what may be granted; this class grants whatever it is given, pull only.
 */
public final class OutageTokenSigner {
    private final SiteKeys keys;
    private final String issuer;
    private final Clock clock;
    private final JWSSigner signer;

    public OutageTokenSigner(SiteKeys keys, String issuer, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        try {
            this.signer = keys.signingKey() instanceof ECPrivateKey ec
                    ? new ECDSASigner(ec)
                    : new RSASSASigner(keys.signingKey());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("auth.outage.signingKey cannot sign: " + e.getMessage(), e);
        }
    }

    /** A minted token and when it was issued. */
    public record Minted(String token, Instant issuedAt, Duration lifetime) {}

    /**
     * @param subject      the user name the grants belong to ("" for anonymous)
     * @param audience     the registry's {@code service}
     * @param repositories repositories to grant {@code pull} on
     * @param lifetime     how long the token is valid
     */
    public Minted mint(String subject, String audience, List<String> repositories, Duration lifetime) {
        Instant now = clock.instant();
        List<Map<String, Object>> access = new ArrayList<>();
        for (String repository : repositories) {
            access.add(Map.of("type", "repository", "name", repository, "actions", List.of("pull")));
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .subject(subject)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", access)
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(keys.algorithm())
                        .type(JOSEObjectType.JWT)
                        .keyID(keys.signingKeyId())
                        .build(),
                claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an outage token with the site key " + keys.signingKeyId(), e);
        }
        return new Minted(jwt.serialize(), now, lifetime);
    }

    public String issuer() {
        return issuer;
    }

    /**
     * Whether {@code token} names this site as its issuer, signature unchecked: for telling a
     * client's outage token from the primary's before a request goes to the primary, which refuses
     * it. A forged one gains nothing by it: it is only kept from the primary, which would refuse it.
     */
    public boolean namesThisSite(String token) {
        try {
            return issuer.equals(SignedJWT.parse(token).getJWTClaimsSet().getIssuer());
        } catch (java.text.ParseException e) {
            return false;
        }
    }
}
