package io.georeg.router.outage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.ErrorCode;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.token.BearerToken;
import io.georeg.token.TokenRejectedException;
import io.georeg.token.TokenVerifier;
import io.georeg.token.VerifiedToken;
import io.georeg.token.site.OutageTokenSigner;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outage shield of the token route (issue 17, {@code docs/security.md}). While the primary's
 * token service answers, it watches the answers the router forwards ({@link #watching}): a 200 is
 * verified against the primary's root bundle and the {@code pull} scopes both asked for and granted
 * are learned for the request's credentials, and a refresh token the answer carries (an offline
 * login's) for the subject the token names; a 401 deletes the stored credential it refuses at
 * once; a 5xx, a refused or timed-out connection is answered by the shield instead. When the token
 * service is unreachable or the routers are in primary-down mode, the router's dispatcher calls
 * {@link #answer} directly.
 *
 * <p>Credentials come as HTTP Basic or in an OAuth2 form {@code POST} ({@link TokenRequest}), both
 * checked alike; a refresh token ({@link RefreshToken}, docker's identity token, in an OAuth2
 * refresh grant) is a credential of its own, learned from the primary's answers and checked the
 * same way. An answer grants {@code pull} only, only on repositories the primary granted to
 * the same credentials (or to anonymous requests) within the window, with a token signed by the
 * site key that lives no longer than the primary's own. Unknown user, wrong password, malformed
 * credentials, an unknown refresh token and a scope never granted all get the same 401: nothing in
 * it tells which it was. A
 * request that asks to push or delete gets the router's 503 instead ({@link WriteRefusal}), decided
 * from its scopes before any credential is checked, so it tells nothing about them either. Everything here
 * may block (database, Argon2id): callers run it on a virtual thread.
 */
public final class TokenShield {
    private static final Logger LOG = LoggerFactory.getLogger(TokenShield.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Distribution's token spec: a token answer without {@code expires_in} is good for 60 seconds. */
    private static final Duration DEFAULT_PRIMARY_LIFETIME = Duration.ofSeconds(60);

    public static final String SOURCE_OUTAGE = "outage-token";
    private static final String CHALLENGE =
            "Basic realm=\"georeg outage tokens: the primary's auth service is unavailable\"";

    private final OutageGrants grants;
    private final OutageTokenSigner signer;
    private final TokenVerifier primaryTokens;
    private final String service;
    private final Duration maxLifetime;
    private final OutageMetrics metrics;
    private final Predicate<List<String>> asksToWrite;

    /**
     * @param primaryTokens verifies the primary's token answers (its {@code auth.token} bundle)
     * @param service       the registry's {@code service}: the {@code aud} of outage tokens
     * @param maxLifetime   {@code auth.outage.tokenLifetime}
     * @param asksToWrite   whether a request's {@code scope} values ask to push or delete (the
     *                      router's one reading of that, which a frozen router refuses too)
     */
    public TokenShield(
            OutageGrants grants,
            OutageTokenSigner signer,
            TokenVerifier primaryTokens,
            String service,
            Duration maxLifetime,
            OutageMetrics metrics,
            Predicate<List<String>> asksToWrite) {
        this.grants = grants;
        this.signer = signer;
        this.primaryTokens = primaryTokens;
        this.service = service;
        this.maxLifetime = maxLifetime;
        this.metrics = metrics;
        this.asksToWrite = asksToWrite;
    }

    /**
     * What the router answers instead of an outage token when a token request asks to write (push,
     * delete): the 503 a write itself gets while the primary is unreachable, never a 401 that a
     * client shows as a wrong password. The shield only ever grants {@code pull}.
     */
    @FunctionalInterface
    public interface WriteRefusal {
        void send(Response response, Callback callback);
    }

    /**
     * Answers a token request with an outage token or a refusal; {@code why} says why the primary is
     * not asked. {@code request} is the token request as the token route parsed it (its form read
     * whole already). Blocks (database, Argon2id): on a virtual thread.
     */
    public void answer(TokenRequest request, Response response, Callback callback, String why, WriteRefusal writes) {
        if (request.mayAskToWrite(asksToWrite)) {
            LOG.debug("token request asking to write answered 503 ({})", why);
            metrics.refused(OutageMetrics.Refusal.WRITE);
            response.getHeaders().put("X-Georeg-Source", SOURCE_OUTAGE);
            writes.send(response, callback);
            return;
        }
        Optional<Authentication> who = request.authentication();
        ScopeRequest scopes = ScopeRequest.of(request.scopes());
        if (scopes.tooMany()) {
            metrics.refused(OutageMetrics.Refusal.TOO_MANY_SCOPES);
            send(
                    response,
                    callback,
                    ErrorCode.DENIED,
                    "a token request may ask for at most " + ScopeRequest.MAX_SCOPES
                            + " scopes while the primary's auth service is unavailable; this one asks for "
                            + scopes.scopes());
            return;
        }
        Optional<OutageGrants.Granted> own;
        Optional<OutageGrants.Granted> anonymous;
        try {
            own = who.isEmpty() ? Optional.empty() : grants.lookup(who.get());
            anonymous = own.isEmpty() || anonymous(who.get()) ? Optional.empty() : grants.lookup(Credentials.ANONYMOUS);
        } catch (RuntimeException e) {
            LOG.error("cannot read the outage grants to answer a token request while {}", why, e);
            metrics.refused(OutageMetrics.Refusal.ERROR);
            send(
                    response,
                    callback,
                    ErrorCode.UNAVAILABLE,
                    "the primary's auth service is unavailable and this site cannot read "
                            + "its grants to stand in for it; retry later");
            return;
        }
        if (own.isEmpty()) {
            LOG.debug("outage token refused to {} ({}): no stored credential matches", who.orElse(null), why);
            metrics.refused(OutageMetrics.Refusal.CREDENTIALS);
            refuse(response, callback);
            return;
        }
        Set<String> grantable = new TreeSet<>(own.get().repositories());
        Duration lifetime = min(maxLifetime, own.get().primaryTokenLifetime());
        Set<String> fromAnonymous =
                new TreeSet<>(anonymous.map(OutageGrants.Granted::repositories).orElse(Set.of()));
        Set<String> granted = new TreeSet<>();
        for (String repository : scopes.pullRepositories()) {
            if (grantable.contains(repository)) {
                granted.add(repository);
            } else if (fromAnonymous.contains(repository)) {
                granted.add(repository);
                lifetime = min(lifetime, anonymous.get().primaryTokenLifetime());
            }
        }
        if (granted.isEmpty() && scopes.scopes() > 0) {
            LOG.debug("outage token refused to {} ({}): nothing asked for was granted", who.get(), why);
            metrics.refused(OutageMetrics.Refusal.SCOPE);
            refuse(response, callback);
            return;
        }
        OutageTokenSigner.Minted minted = signer.mint(own.get().subject(), service, List.copyOf(granted), lifetime);
        metrics.issued();
        LOG.info(
                "outage token for {} as {} ({}): pull on {} for {}s, issuer {}",
                who.get(),
                own.get().subject(),
                why,
                granted,
                lifetime.toSeconds(),
                signer.issuer());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", minted.token());
        body.put("access_token", minted.token());
        body.put("expires_in", minted.lifetime().toSeconds());
        body.put("issued_at", minted.issuedAt().toString());
        byte[] bytes = json(body);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Georeg-Source", SOURCE_OUTAGE);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /**
     * Watches a token request forwarded to the primary's token service: learns from its 200,
     * revokes on its 401 (and on a refresh grant's {@code 400 invalid_grant}, RFC 6749 section 5.2:
     * the refresh token is invalid, expired or revoked), and answers instead of its 5xx or of a
     * failed connection. {@code sent} is
     * the request the token service gets, as the token route parsed it (a form read whole before
     * its body is forwarded unchanged).
     */
    public ResponseInterceptor watching(TokenRequest sent, Response response, Callback callback, WriteRefusal writes) {
        return new ResponseInterceptor() {
            @Override
            public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
                int status = serverToProxyResponse.getStatus();
                return status == 200
                        || status == 401
                        || status >= 500
                        || status == 400 && sent.authentication().orElse(null) instanceof RefreshToken;
            }

            @Override
            public void onHeld(HeldResponse held, Runnable release) {
                Thread.ofVirtual().name("token-shield").start(() -> {
                    if (held.status() >= 500) {
                        answer(
                                sent,
                                response,
                                callback,
                                "the primary's token service answered " + held.status(),
                                writes);
                        return;
                    }
                    try {
                        Optional<Authentication> who = sent.authentication();
                        if (held.status() == 200) {
                            learn(sent, held.body());
                        } else if (who.isPresent()
                                && !anonymous(who.get())
                                && (held.status() == 401 || held.status() == 400 && invalidGrant(held.body()))) {
                            revoke(who.get());
                        }
                    } finally {
                        release.run();
                    }
                });
            }

            @Override
            public boolean takeOverFailure(Throwable failure) {
                String why = "the primary's token service is unreachable: "
                        + failure.getClass().getSimpleName();
                Thread.ofVirtual().name("token-shield").start(() -> answer(sent, response, callback, why, writes));
                return true;
            }
        };
    }

    /**
     * Whether an {@code Authorization} header carries one of this site's outage tokens ({@code
     * Bearer}, issued by the site): the primary refuses it, so a read it comes with must not be
     * sent there.
     */
    public boolean carriesOutageToken(String authorization) {
        return BearerToken.of(authorization).filter(signer::namesThisSite).isPresent();
    }

    /** Counts the grants held now (for the metrics and the status), and prunes the table. */
    public void maintain() {
        grants.prune();
        metrics.held(grants.held());
    }

    /**
     * Learns from the primary's 200 to {@code request}: the pull grants of its access token for the
     * request's credentials, and a refresh token the answer carries (a login asking {@code
     * offline_token=true} or {@code access_type=offline}, or a refresh grant that rotates the
     * token) for the subject the access token names, with the same grants (often none: a login
     * asks for no scope).
     */
    private void learn(TokenRequest request, byte[] body) {
        Optional<Authentication> who = request.authentication();
        try {
            JsonNode answer = JSON.readTree(body);
            Optional<RefreshToken> issued = RefreshToken.of(
                            answer.path("refresh_token").asText(null))
                    .filter(token -> !who.equals(Optional.of(token)));
            if (who.isEmpty() && issued.isEmpty()) {
                return;
            }
            String accessToken =
                    answer.path("token").asText(answer.path("access_token").asText(""));
            VerifiedToken verified = primaryTokens.verify(accessToken);
            Set<String> learned = new TreeSet<>();
            for (String repository : ScopeRequest.of(request.scopes()).pullRepositories()) {
                if (verified.grants().contains("repository:" + repository + ":pull")
                        || verified.grants().contains("repository:" + repository + ":*")) {
                    learned.add(repository);
                }
            }
            long expiresIn = answer.path("expires_in").asLong(0);
            Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : DEFAULT_PRIMARY_LIFETIME;
            if (who.isPresent()) {
                switch (who.get()) {
                    case Credentials credentials -> grants.learn(credentials, learned, lifetime);
                    case RefreshToken token -> grants.learn(token, subject(verified), learned, lifetime);
                }
            }
            if (issued.isPresent()) {
                grants.learn(issued.get(), subject(verified), learned, lifetime);
            }
            metrics.learned("learned");
            metrics.held(grants.held());
        } catch (TokenRejectedException e) {
            // Never believe access claims that do not verify against the primary's bundle.
            metrics.learned("unverified");
            LOG.warn(
                    "the primary's token answer does not verify against auth.token.rootCertBundle ({}): nothing learned",
                    e.getMessage());
        } catch (Exception e) {
            metrics.learned("error");
            LOG.warn("cannot learn the grants of a token answer for {}", who.orElse(null), e);
        }
    }

    /** The subject a refresh token's grants belong to: the one the primary's token for it names. */
    private static String subject(VerifiedToken verified) {
        if (verified.subject() == null || verified.subject().isBlank()) {
            throw new IllegalStateException("the primary's token names no subject (sub) for a refresh token");
        }
        return verified.subject();
    }

    private static boolean anonymous(Authentication who) {
        return who instanceof Credentials credentials && credentials.anonymous();
    }

    /** Whether an error answer is OAuth2's {@code invalid_grant} (RFC 6749 section 5.2). */
    private static boolean invalidGrant(byte[] body) {
        try {
            return "invalid_grant".equals(JSON.readTree(body).path("error").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void revoke(Authentication who) {
        try {
            if (grants.revoke(who)) {
                metrics.revoked();
                metrics.held(grants.held());
                LOG.info("the primary refused {}: its outage grants are deleted", who);
            }
        } catch (RuntimeException e) {
            LOG.error("the primary refused {} but its outage grants could not be deleted", who, e);
        }
    }

    /**
     * The one refusal: the same body and challenge for every reason, so none can be told apart,
     * and nothing about the primary's addresses (the reason it is not asked is logged instead).
     */
    private static void refuse(Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
        send(
                response,
                callback,
                ErrorCode.UNAUTHORIZED,
                "the primary's auth service is unavailable; this site stands in for it "
                        + "with pull-only tokens for what it granted these credentials, and it granted nothing asked for here");
    }

    private static void send(Response response, Callback callback, ErrorCode code, String message) {
        response.getHeaders().put("X-Georeg-Source", SOURCE_OUTAGE);
        OciErrorResponse.send(response, callback, code, message);
    }

    private static byte[] json(Map<String, Object> body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
