package io.georeg.router;

import io.georeg.oci.ErrorCode;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.outage.TokenRequest;
import io.georeg.router.outage.TokenShield;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.route.RouteMatch;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the token endpoint ({@code AUTH}): proxied to the configured token URL
 * ({@code router.authUrl}), or to the same path on the primary's registry when none is configured.
 * Token requests follow the token service's health, not the registry's: with {@code router.authUrl}
 * they are admitted by the token service's own circuit (GitLab serves {@code /jwt/auth} from Rails,
 * which may answer while its registry does not), refused like the rest of the primary site in
 * {@code primary-down} mode, and, while writes are frozen for a planned promotion, refused only
 * when they ask to write ({@link TokenScopes#scopesAskToWrite}) or what they ask cannot be read: a pull, and the token request it
 * starts with, goes on. The scopes are a {@code GET}'s query's, or an OAuth2 form {@code POST}'s
 * body's, read whole before it is forwarded unchanged or answered by the shield: the request is
 * parsed once ({@link TokenRequest}), for the frozen check, the shield's learning and its answer.
 *
 * <p>With the outage shield ({@link TokenShield}, {@code auth.outage}) the forwarded answers are
 * watched (grants learned, refused credentials forgotten, a failure or 5xx answered by the shield),
 * and while the token service is unreachable or the routers are in {@code primary-down} mode the
 * shield answers every token request itself.
 */
final class TokenRoute implements RouteLeg {
    /** A forwarded token request that takes longer than this is answered by the shield. */
    static final Duration TOKEN_SERVICE_TIMEOUT = Duration.ofSeconds(10);

    private final PrimarySite primary;
    private final Upstream tokenService;
    private final URI authTarget;
    private final CircuitBreaker tokenServiceCircuit;
    private final TokenShield shield;
    private final RouterMetrics metrics;

    /**
     * @param tokenService        the token service ({@code router.authUrl}'s origin), or null for the
     *                            primary registry's own path
     * @param authTarget          the token endpoint's URL, or null for the primary's own path
     * @param tokenServiceCircuit the token service's circuit, or null with no {@code tokenService}
     *                            (the primary's circuit admits token requests then)
     * @param shield              the outage shield, or null when it is off
     */
    TokenRoute(
            PrimarySite primary,
            Upstream tokenService,
            URI authTarget,
            CircuitBreaker tokenServiceCircuit,
            TokenShield shield,
            RouterMetrics metrics) {
        this.primary = primary;
        this.tokenService = tokenService;
        this.authTarget = authTarget;
        this.tokenServiceCircuit = tokenServiceCircuit == null ? primary.circuit() : tokenServiceCircuit;
        this.shield = shield;
        this.metrics = metrics;
    }

    /** Whether the shield answers token requests itself now (token service unreachable, or a drill). */
    boolean shieldAnswers() {
        return shield != null && (tokenServiceCircuit.isOpen() || primary.drillsAnOutage());
    }

    @Override
    public boolean mayBlock(RouteMatch match) {
        // The shield's answer reads the grants table and hashes a password.
        return shieldAnswers();
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
        answer(request, response, callback, record, match, request.getHttpURI().getQuery());
    }

    /** As {@link #answer(Request, Response, Callback, RequestRecord, RouteMatch)}, forwarding {@code query} (the scopes of this primary). */
    void answer(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            RouteMatch match,
            String query) {
        boolean shieldAnswers = shieldAnswers();
        metrics.routed(record, match, shieldAnswers ? TokenShield.SOURCE_OUTAGE : "auth");
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (!TokenRequest.isForm(request)) {
            answer(
                    request,
                    response,
                    callback,
                    record,
                    match,
                    query,
                    TokenRequest.ofQuery(authorization, query),
                    shieldAnswers);
            return;
        }
        // An OAuth2 form POST (containerd's first try) has its scopes in its body: read whole first,
        // so that the frozen check, the shield's learning and its answer read the scopes the token
        // service gets (one parsing), and replayed to the token service unchanged. Small (at most
        // MAX_FORM_BYTES), and read without blocking a thread.
        Content.Source.asByteArrayAsync(request, TokenRequest.MAX_FORM_BYTES).whenComplete((form, failure) -> {
            if (failure != null) {
                // Larger than any form a client sends, or the client went away before it was whole.
                OciErrorResponse.send(
                        response,
                        callback,
                        ErrorCode.DENIED,
                        "a token request's form must be sent whole and be at most " + TokenRequest.MAX_FORM_BYTES
                                + " bytes");
                return;
            }
            try {
                answer(
                        new FormReplay(request, form),
                        response,
                        callback,
                        record,
                        match,
                        query,
                        TokenRequest.ofForm(authorization, form),
                        shieldAnswers);
            } catch (Throwable e) {
                callback.failed(e);
            }
        });
    }

    /** Answers {@code token}, the request parsed once: by the shield, or by forwarding it to the token service. */
    private void answer(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            RouteMatch match,
            String query,
            TokenRequest token,
            boolean shieldAnswers) {
        if (shieldAnswers) {
            answerWithShield(token, response, callback);
            return;
        }
        ResponseInterceptor watch = shield == null
                ? ResponseInterceptor.NONE
                : shield.watching(token, response, callback, this::refuseWrite);
        Duration timeout = shield == null ? null : TOKEN_SERVICE_TIMEOUT;
        // In primary-down mode the whole primary site counts as down, its token service included.
        CircuitBreaker admission = primary.drillsAnOutage() ? primary.circuit() : tokenServiceCircuit;
        // The circuit can open between shieldAnswers() and the admission check: the shield then
        // answers, never a bare 503 that a client with grants would have been spared.
        Runnable whenUnreachable = shield == null
                ? null
                : () -> {
                    record.routed(match.routeId(), TokenShield.SOURCE_OUTAGE); // counted once, as auth
                    answerWithShield(token, response, callback);
                };
        Upstream upstream = tokenService == null ? primary.registry() : tokenService;
        URI target = tokenService == null
                ? primary.target(request, query)
                : tokenService.target(authTarget.getRawPath(), query);
        // Whether it asks to write: its query's scopes or a form's (one reading of them, TokenScopes'),
        // or scopes that cannot be read.
        boolean writes = token.mayAskToWrite(TokenScopes::scopesAskToWrite);
        primary.sendAdmitted(
                request,
                response,
                callback,
                record,
                upstream,
                "auth",
                target,
                watch,
                admission,
                timeout,
                whenUnreachable,
                writes);
    }

    /** A request whose body, read whole already, is read again from {@code form}: what the proxy sends on. */
    private static final class FormReplay extends Request.Wrapper {
        private final Content.Source body;

        FormReplay(Request request, byte[] form) {
            super(request);
            this.body = Content.Source.from(ByteBuffer.wrap(form));
        }

        @Override
        public Content.Chunk read() {
            return body.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            body.demand(demandCallback);
        }

        @Override
        public void fail(Throwable failure) {
            body.fail(failure);
        }

        @Override
        public void fail(Throwable failure, boolean last) {
            body.fail(failure, last);
        }

        @Override
        public boolean rewind() {
            return body.rewind();
        }
    }

    private void answerWithShield(TokenRequest token, Response response, Callback callback) {
        String why = primary.drillsAnOutage()
                ? "primary-down mode"
                : "the token service is unreachable: " + tokenServiceCircuit.lastFailure();
        if (Thread.currentThread().isVirtual()) {
            shield.answer(token, response, callback, why, this::refuseWrite);
        } else {
            // The shield's answer reads the grants table and hashes a password: off the event thread.
            Thread.ofVirtual()
                    .name("token-shield")
                    .start(() -> shield.answer(token, response, callback, why, this::refuseWrite));
        }
    }

    /**
     * A token request that asks to write while the shield stands in: the 503 the write itself would
     * get, naming what is down, so that the client says the registry is unavailable, not that the
     * password is wrong.
     */
    private void refuseWrite(Response response, Callback callback) {
        PrimarySite.refuseUnreachable(
                response, callback, primary.drillsAnOutage() ? primary.circuit() : tokenServiceCircuit);
    }
}
