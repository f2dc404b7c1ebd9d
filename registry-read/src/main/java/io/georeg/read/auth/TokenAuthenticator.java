package io.georeg.read.auth;

import io.georeg.oci.ErrorCode;
import io.georeg.read.api.OciHttpException;
import io.georeg.token.AccessRequest;
import io.georeg.token.BearerToken;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenRejectedException;
import io.georeg.token.TokenVerifier;
import io.georeg.token.TrustedKeys;
import io.georeg.token.VerifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token authorization as distribution 2.8's token access controller
 * ({@code registry/auth/token/accesscontroller.go} with {@code registry/handlers/app.go}):
 * <ul>
 *   <li>no bearer token: 401 {@code UNAUTHORIZED} with
 *       {@code WWW-Authenticate: Bearer realm="…",service="…",scope="…"};
 *   <li>a token that fails verification: the same plus {@code error="invalid_token"};
 *   <li>a valid token without the needed access: the same with {@code error="insufficient_scope"}.
 *       Distribution answers this case 401 {@code UNAUTHORIZED} too (the challenge path of
 *       {@code app.go authorized()} serves {@code errcode.ErrorCodeUnauthorized} for every
 *       {@code auth.Challenge}), not 403 {@code DENIED}; clients rely on the 401 to fetch a
 *       token with the wider scope, so georeg does the same.
 * </ul>
 * The error detail lists the access asked for, as distribution's does. Verified tokens are
 * cached ({@link TokenCache}); rejections are logged at DEBUG only, to keep a flood of bad
 * tokens off the INFO log.
 */
public final class TokenAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(TokenAuthenticator.class);

    private final TokenAuthConfig config;
    private final TokenVerifier verifier;
    private final TokenCache cache;
    private final Clock clock;
    private final String challengePrefix;

    public TokenAuthenticator(TokenAuthConfig config, TokenVerifier verifier, TokenCache cache, Clock clock) {
        this.config = config;
        this.verifier = verifier;
        this.cache = cache;
        this.clock = clock;
        this.challengePrefix = "Bearer realm=\"" + config.realm() + "\",service=\"" + config.service() + "\"";
    }

    /** Validates the configuration, loads the root bundle, and caches up to 10,000 tokens for at most 5 minutes each. */
    public static TokenAuthenticator create(TokenAuthConfig config, Clock clock) {
        return create(config, null, clock);
    }

    /**
     * As {@link #create(TokenAuthConfig, Clock)}, also trusting the outage tokens of this site's
     * routers ({@code site} null: the primary's tokens only).
     */
    public static TokenAuthenticator create(TokenAuthConfig config, TokenVerifier.SiteTrust site, Clock clock) {
        config.validate();
        TrustedKeys keys = TrustedKeys.load(config.rootCertBundle());
        return new TokenAuthenticator(
                config,
                new TokenVerifier(config, keys, site, clock),
                new TokenCache(10_000, Duration.ofMinutes(5)),
                clock);
    }

    @Override
    public void authorize(String authorization, AccessRequest access) {
        String token =
                BearerToken.of(authorization).orElseThrow(() -> challenge(access, null, "authentication required"));
        var now = clock.instant();
        VerifiedToken verified = cache.get(token, now);
        if (verified == null) {
            try {
                verified = verifier.verify(token);
            } catch (TokenRejectedException e) {
                LOG.debug("bearer token rejected: {}", e.getMessage());
                throw challenge(access, "invalid_token", "invalid token");
            }
            cache.put(token, verified, now);
        }
        if (access != null && !verified.allows(access)) {
            throw challenge(
                    access, "insufficient_scope", "insufficient scope: the token does not grant " + access.scope());
        }
    }

    private OciHttpException challenge(AccessRequest access, String error, String message) {
        StringBuilder h = new StringBuilder(challengePrefix);
        if (access != null) {
            h.append(",scope=\"").append(access.scope()).append('"');
        }
        if (error != null) {
            h.append(",error=\"").append(error).append('"');
        }
        Object detail = access == null
                ? null
                : List.of(Map.of("Type", access.type(), "Class", "", "Name", access.name(), "Action", access.action()));
        return new OciHttpException(ErrorCode.UNAUTHORIZED, message, detail, "WWW-Authenticate", h.toString());
    }

    public TokenAuthConfig config() {
        return config;
    }
}
