package io.georeg.router;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.router.admin.AdminEndpoint;
import io.georeg.router.admin.RouterMode;
import io.georeg.router.admin.SiteControl;
import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.ReplicaMissListener;
import io.georeg.router.fence.Fence;
import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.health.OperationsEndpoints;
import io.georeg.router.proxy.InProcessDispatch;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ProxyObserver;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.route.RouteMatch;
import io.georeg.router.route.RouteTable;
import java.net.ConnectException;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher: classifies each request with the {@link RouteTable} and sends it where its
 * route says — the primary (writes, anything unknown), the token endpoint, the replica with
 * {@link FallbackToPrimary}, the router's own endpoints — applying the circuit breaker
 * (writes and token requests fail at once with 503 {@code UNAVAILABLE} while the primary is
 * down; reads of tags are marked possibly stale), the admin mode ({@code frozen} refuses writes
 * and token requests for a planned promotion; {@code primary-down} forces the circuit open) and
 * read-your-writes fences. The primary is asked of {@link SiteControl} per request, because a
 * promotion switches it at run time. The only handler
 * under {@link AccessLogHandler}; assembled by {@link Router}.
 *
 * <p>Declared non-blocking, so Jetty runs it on the thread that parsed the request: proxying is
 * asynchronous end to end, and most requests never need a thread of their own. What may block —
 * the router's own endpoints (database, metrics), registry-read in process (a servlet), a
 * manifest read whose fence must be checked in the table or against the replica — is handed to a
 * virtual thread first ({@link #needsThread}).
 */
final class RoutingHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingHandler.class);
    static final String SOURCE = "X-Georeg-Source";
    static final String POSSIBLY_STALE = "X-Georeg-Possibly-Stale";

    private final RouteTable table;
    private final StreamingProxy proxy;
    private final SiteControl control;
    private final AdminEndpoint admin;
    private final Upstream fixedAuth;
    private final URI authTarget;
    private final Upstream replica;
    private final InProcessDispatch localReplica;
    private final CircuitBreaker primaryCircuit;
    private final CircuitBreaker replicaCircuit;
    private final ReadYourWrites readYourWrites;
    private final RouterMetrics metrics;
    private final OperationsEndpoints operations;
    private final ProxyObserver observer;
    private final ReplicaMissListener missListener;

    /**
     * {@code authTarget} null: token requests go to the primary's own path; {@code readYourWrites}
     * null: no fences; {@code localReplica} non-null: replica reads are handed to registry-read's
     * handler in this process instead of being proxied to {@code replica}.
     */
    RoutingHandler(RouteTable table, StreamingProxy proxy, SiteControl control, AdminEndpoint admin, URI authTarget, Upstream replica,
                   InProcessDispatch localReplica, CircuitBreaker primaryCircuit, CircuitBreaker replicaCircuit, ReadYourWrites readYourWrites,
                   RouterMetrics metrics, OperationsEndpoints operations, ReplicaMissListener missListener) {
        this.table = table;
        this.proxy = proxy;
        this.control = control;
        this.admin = admin;
        this.authTarget = authTarget;
        this.fixedAuth = authTarget == null ? null
                : new Upstream("auth", "the primary site's token endpoint", URI.create(authTarget.getScheme() + "://" + authTarget.getRawAuthority()));
        this.replica = replica;
        this.localReplica = localReplica;
        this.primaryCircuit = primaryCircuit;
        this.replicaCircuit = replicaCircuit;
        this.readYourWrites = readYourWrites;
        this.metrics = metrics;
        this.operations = operations;
        this.observer = new CircuitObserver();
        this.missListener = missListener;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        RequestRecord record = (RequestRecord) request.getAttribute(RequestRecord.ATTRIBUTE);
        RouteMatch match = table.classify(request.getMethod(), request.getHttpURI().getPath());
        if (needsThread(match)) {
            Thread.ofVirtual().name("router-blocking").start(() -> {
                try {
                    route(request, response, callback, record, match);
                } catch (Throwable e) {
                    callback.failed(e);
                }
            });
        } else {
            route(request, response, callback, record, match);
        }
        return true;
    }

    /** Whether answering this request may block (see the class comment). */
    private boolean needsThread(RouteMatch match) {
        return switch (match.destination()) {
            case LOCAL -> true;
            case REPLICA -> localReplica != null
                    || ("manifest-read".equals(match.routeId()) && readYourWrites != null
                        && !readYourWrites.certainlyUnfenced(match.repository(), match.reference()));
            default -> false;
        };
    }

    private void route(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) throws Exception {
        switch (match.destination()) {
            case REJECT -> {
                routed(record, match, "reject");
                OciErrorResponse.send(response, callback, ErrorCode.NAME_INVALID,
                        "ambiguous request path refused: dot segments, encoded '/', '\\' or '.', and empty segments are not allowed");
            }
            case LOCAL -> {
                routed(record, match, "local");
                if ("admin".equals(match.routeId())) {
                    admin.handle(request, response, callback);
                } else {
                    operations.handle(request, response, callback);
                }
            }
            case AUTH -> toPrimarySite(request, response, callback, record, match, fixedAuth == null ? control.primary() : fixedAuth, "auth",
                    authTarget == null ? primaryTarget(request) : fixedAuth.target(authTarget.getRawPath(), request.getHttpURI().getQuery()),
                    ResponseInterceptor.NONE);
            case PRIMARY -> toPrimarySite(request, response, callback, record, match, control.primary(), "primary", primaryTarget(request),
                    readYourWrites != null && isManifestPush(request, match) ? new FenceOnPush(match) : ResponseInterceptor.NONE);
            case REPLICA -> read(request, response, callback, record, match);
        }
    }

    private void toPrimarySite(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match,
                               Upstream upstream, String destination, URI target, ResponseInterceptor interceptor) {
        routed(record, match, destination);
        if (primaryCircuit.isOpen()) {
            OciErrorResponse.send(response, callback, ErrorCode.UNAVAILABLE,
                    "the primary site is unreachable (" + primaryCircuit.lastFailure() + "); pushes, deletes and logins "
                            + "need it, pulls of replicated content keep working");
            return;
        }
        if (control.mode() == RouterMode.FROZEN) {
            String reason = control.state().reason();
            OciErrorResponse.send(response, callback, ErrorCode.UNAVAILABLE,
                    "writes are frozen for a planned promotion: " + (reason.isBlank() ? "no reason given" : reason)
                            + "; pulls keep working, retry the push after the promotion");
            return;
        }
        response.getHeaders().put(SOURCE, destination);
        proxy.forward(request, response, callback, upstream, target, record.requestId(), interceptor, observer);
    }

    private void read(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) throws Exception {
        boolean primaryDown = primaryCircuit.isOpen();
        if (primaryDown && readsATag(match)) {
            // Replicated reads keep working, but the tag may have moved on the primary since.
            response.getHeaders().put(POSSIBLY_STALE, "true");
        }
        if (!primaryDown && "manifest-read".equals(match.routeId()) && readYourWrites != null) {
            Optional<Fence> fence = fenceOf(request, match);
            if (fence.isPresent()) {
                routed(record, match, "primary-fenced");
                response.getHeaders().put(SOURCE, "primary-fenced");
                proxy.forward(request, response, callback, control.primary(), primaryTarget(request), record.requestId(), ResponseInterceptor.NONE, observer);
                return;
            }
        }
        FallbackToPrimary.Actions actions = new FallbackToPrimary.Actions() {
            @Override
            public void fallBack(String reason) {
                LOG.debug("{} {}: {}, answering from the primary", record.requestId(), request.getHttpURI().getPath(), reason);
                record.fellBack("primary-fallback");
                metrics.fallback(match.routeId(), "primary");
                response.getHeaders().put(SOURCE, "primary-fallback");
                proxy.forward(request, response, callback, control.primary(), primaryTarget(request), record.requestId(), new MissReport(match), observer);
            }

            @Override
            public void primaryDown() {
                metrics.fallback(match.routeId(), "primary-unreachable");
            }
        };
        if (replicaCircuit.isOpen() && !primaryDown) {
            routed(record, match, "replica");
            actions.fallBack("replica circuit open");
            return;
        }
        routed(record, match, "replica");
        response.getHeaders().put(SOURCE, "replica");
        if (localReplica != null) {
            localReplica.dispatch(request, response, callback, new FallbackToPrimary(primaryCircuit, actions));
            return;
        }
        proxy.forward(request, response, callback, replica, replica.target(request.getHttpURI().getPath(), request.getHttpURI().getQuery()),
                record.requestId(), new FallbackToPrimary(primaryCircuit, actions), observer);
    }

    private Optional<Fence> fenceOf(Request request, RouteMatch match) {
        try {
            return readYourWrites.pinning(match.repository(), match.reference(), request.getHeaders());
        } catch (RuntimeException e) {
            // Without the fence table the router cannot promise read-your-writes from the replica:
            // the primary is always current.
            metrics.fenceError();
            LOG.warn("cannot check write fences of {}:{}, reading from the primary", match.repository(), match.reference(), e);
            return Optional.of(new Fence(match.repository(), null, "unknown", null, null));
        }
    }

    private static boolean readsATag(RouteMatch match) {
        return "tags-list".equals(match.routeId())
                || ("manifest-read".equals(match.routeId()) && !Digest.looksLikeDigest(match.reference()));
    }

    private static boolean isManifestPush(Request request, RouteMatch match) {
        return "manifest-write".equals(match.routeId()) && "PUT".equals(request.getMethod());
    }

    private URI primaryTarget(Request request) {
        return control.primary().target(request.getHttpURI().getPath(), request.getHttpURI().getQuery());
    }

    private void routed(RequestRecord record, RouteMatch match, String destination) {
        record.routed(match.routeId(), destination);
        metrics.request(match.routeId(), destination);
    }

    /**
     * Holds the primary's 2xx to a manifest PUT until its fence is recorded, so no read that
     * starts after the client saw the 201 can miss the fence.
     */
    private final class FenceOnPush implements ResponseInterceptor {
        private final RouteMatch match;

        FenceOnPush(RouteMatch match) {
            this.match = match;
        }

        @Override
        public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
            return serverToProxyResponse.getStatus() / 100 == 2;
        }

        @Override
        public void onHeld(HeldResponse held, Runnable release) {
            // A database round trip: off the HTTP client's threads.
            Thread.ofVirtual().name("fence-record").start(() -> {
                try {
                    readYourWrites.recordPush(match.repository(), match.reference(), held.response().getHeaders().get("Docker-Content-Digest"));
                } catch (RuntimeException e) {
                    // The push itself succeeded on the primary; failing it now would make the
                    // client retry a push that is done. The error is counted and logged loudly.
                    metrics.fenceError();
                    LOG.error("push of {}:{} succeeded but its read-your-writes fence was not recorded", match.repository(), match.reference(), e);
                } finally {
                    release.run();
                }
            });
        }
    }

    /** Tells the miss listener what the primary had that the replica lacked; never holds the answer. */
    private final class MissReport implements ResponseInterceptor {
        private final RouteMatch match;

        MissReport(RouteMatch match) {
            this.match = match;
        }

        @Override
        public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
            if (serverToProxyResponse.getStatus() == 200 && missListener != ReplicaMissListener.NONE) {
                ReplicaMissListener.Miss miss = new ReplicaMissListener.Miss(match.routeId(), match.repository(), match.reference(),
                        serverToProxyResponse.getHeaders().get("Docker-Content-Digest"), serverToProxyResponse.getHeaders().getLongField("Content-Length"));
                Thread.ofVirtual().name("replica-miss").start(() -> {
                    try {
                        missListener.onMiss(miss);
                    } catch (RuntimeException e) {
                        LOG.warn("could not report the replica miss {}", miss, e);
                    }
                });
            }
            return false;
        }
    }

    /** Metrics for every exchange, and connect failures to the primary count against its circuit. */
    private final class CircuitObserver implements ProxyObserver {
        @Override
        public void onServerToProxyHeaders(Upstream upstream, int status, long nanos) {
            metrics.onServerToProxyHeaders(upstream, status, nanos);
        }

        @Override
        public void onUpstreamFailure(Upstream upstream, Throwable failure, boolean beforeResponse) {
            metrics.onUpstreamFailure(upstream, failure, beforeResponse);
            if (beforeResponse && (failure instanceof ConnectException || failure instanceof TimeoutException)) {
                CircuitBreaker circuit = upstream == replica ? replicaCircuit : primaryCircuit;
                circuit.recordFailure(upstream.name() + ": " + failure);
            }
        }
    }
}
