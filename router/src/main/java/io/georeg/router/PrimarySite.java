package io.georeg.router;

import io.georeg.oci.ErrorCode;
import io.georeg.router.admin.RouterMode;
import io.georeg.router.admin.SiteControl;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ExchangeTimeouts;
import io.georeg.router.proxy.FoundDownTakeOver;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The primary site as the legs reach it. Writes and token requests pass the admission check first
 * ({@link #sendAdmitted}): while the primary's circuit is open they fail at once with 503
 * {@code UNAVAILABLE}, and while the admin mode is {@code frozen} (a planned promotion) writes,
 * and token requests that ask to write, are refused the same way. Reads that the primary answers (a fallback, a fenced read) go straight
 * ({@link #sendRead}). The primary is asked of {@link SiteControl} per request, because a
 * promotion switches it at run time. Every exchange with the primary site lasts at most until its
 * circuit opens ({@link ExchangeTimeouts#untilDown}): one without an answer yet is then refused
 * as a new one would be ({@link #refusal}), unless its interceptor answers another way (a read
 * asked of the replica: {@link #sendRead}).
 */
final class PrimarySite {
    private final StreamingProxy proxy;
    private final SiteControl control;
    private final java.util.function.Supplier<Upstream> registry;
    private final CircuitBreaker circuit;
    private final ProxyObserver observer;

    /**
     * @param control  the site's admin state (mode), shared by every primary of the router
     * @param registry this primary's registry, asked per request ({@code control::primary} for the
     *                 primary a promotion switches)
     */
    PrimarySite(
            StreamingProxy proxy,
            SiteControl control,
            java.util.function.Supplier<Upstream> registry,
            CircuitBreaker circuit,
            ProxyObserver observer) {
        this.proxy = proxy;
        this.control = control;
        this.registry = registry;
        this.circuit = circuit;
        this.observer = observer;
    }

    boolean isDown() {
        return circuit.isOpen();
    }

    CircuitBreaker circuit() {
        return circuit;
    }

    /** The primary's registry as configured now. */
    Upstream registry() {
        return registry.get();
    }

    /** The request's raw path and query on the primary's registry. */
    URI target(Request request) {
        return target(request, request.getHttpURI().getQuery());
    }

    /** The request's raw path with {@code query} instead of its own (null: none) on the primary's registry. */
    URI target(Request request, String query) {
        return registry.get().target(request.getHttpURI().getPath(), query);
    }

    /**
     * A write: refused while the primary is down or writes are frozen,
     * otherwise proxied to {@code upstream} (the registry or the token endpoint) at {@code target}
     * with {@code X-Georeg-Source: source}.
     */
    void sendAdmitted(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            Upstream upstream,
            String source,
            URI target,
            ResponseInterceptor interceptor) {
        sendAdmitted(
                request, response, callback, record, upstream, source, target, interceptor, circuit, null, null, true);
    }

    /**
     * As {@link #sendAdmitted(Request, Response, Callback, RequestRecord, Upstream, String, URI, ResponseInterceptor)},
     * admitted by {@code admission} (the token service's own circuit for token requests) and with the
     * whole exchange bounded by {@code timeout} (null: only silence is bounded). When
     * {@code admission} is open, {@code whenUnreachable} answers instead of the 503 (null: the
     * 503): the caller's own check of the circuit may have seen it closed a moment before, and the
     * answer must follow the state that refused the request, not the one the caller saw. A request
     * that does not {@code write} (a token request for pulls or a login) is not refused while
     * writes are frozen: pulls keep working during a planned promotion, and with token auth every
     * pull starts with a token request.
     */
    void sendAdmitted(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            Upstream upstream,
            String source,
            URI target,
            ResponseInterceptor interceptor,
            CircuitBreaker admission,
            java.time.Duration timeout,
            Runnable whenUnreachable,
            boolean writes) {
        if (admission.isOpen()) {
            if (whenUnreachable != null) {
                whenUnreachable.run();
                return;
            }
            refuseUnreachable(response, callback, admission);
            return;
        }
        if (writes && control.mode() == RouterMode.FROZEN) {
            String reason = control.state().reason();
            OciErrorResponse.send(
                    response,
                    callback,
                    ErrorCode.UNAVAILABLE,
                    "writes are frozen for a planned promotion: " + (reason.isBlank() ? "no reason given" : reason)
                            + "; pulls keep working, retry the push after the promotion");
            return;
        }
        response.getHeaders().put(GeoregHeaders.SOURCE, source);
        proxy.forward(
                request,
                response,
                callback,
                upstream,
                target,
                record.requestId(),
                interceptor,
                observer,
                ExchangeTimeouts.untilDown(timeout));
    }

    /**
     * The 503 of what needs the primary site while {@code down} (its registry's circuit, or its
     * token service's) is open: a write, or a token request that asks to write while the outage
     * shield stands in for the token service.
     */
    static void refuseUnreachable(Response response, Callback callback, CircuitBreaker down) {
        OciErrorResponse.send(response, callback, ErrorCode.UNAVAILABLE, refusal(down));
    }

    /** True in {@code primary-down} mode: a drill takes the whole primary site as down. */
    boolean drillsAnOutage() {
        return control.mode() == RouterMode.PRIMARY_DOWN;
    }

    /**
     * The primary's answer to the request's target asked with {@code method} instead of the
     * client's, for the router to look at; nothing goes to the client ({@link StreamingProxy#ask}).
     */
    CompletableFuture<ResponseInterceptor.HeldResponse> ask(Request request, RequestRecord record, String method) {
        return proxy.ask(request, registry.get(), target(request), method, record.requestId(), observer);
    }

    /**
     * A read the primary answers instead of the replica, with {@code X-Georeg-Source: source}. When
     * the primary is found down before it answered, {@code whenFoundDown} answers the read instead
     * (as a read routed then would be: from the replica).
     */
    void sendRead(
            Request request,
            Response response,
            Callback callback,
            RequestRecord record,
            String source,
            ResponseInterceptor interceptor,
            Runnable whenFoundDown) {
        response.getHeaders().put(GeoregHeaders.SOURCE, source);
        proxy.forward(
                request,
                response,
                callback,
                registry.get(),
                target(request),
                record.requestId(),
                new FoundDownTakeOver(interceptor, whenFoundDown),
                observer,
                ExchangeTimeouts.UNTIL_DOWN);
    }

    /**
     * What a request that needs the primary site is told while {@code admission} is open: one
     * refused at once, and one given up in flight when the circuit opened ({@link
     * StreamingProxy#foundDown}).
     */
    static String refusal(CircuitBreaker admission) {
        return unreachableSite(admission) + " is unreachable"
                + (admission.lastFailure().isEmpty() ? "" : " (" + admission.lastFailure() + ")")
                + "; pushes, deletes and logins need it, pulls of replicated content keep working";
    }

    /**
     * Who a refusal says is down: the primary site, or with several primaries which one, by the
     * name its circuit has in metrics and alerts ({@code primary-cell-1}), so that a client pushing
     * to one cell's namespace learns that cell is down, not that the one site is.
     */
    private static String unreachableSite(CircuitBreaker admission) {
        String name = admission.upstream();
        return name.equals("primary") || name.equals("auth")
                ? "the primary site"
                : "the primary site of this repository (" + name + ")";
    }
}
