package io.georeg.router.proxy;

import io.georeg.oci.ErrorCode;
import io.georeg.ops.BodyTooSlowException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentSourceRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one client→proxy request to an upstream and the server→proxy answer back as the
 * proxy→client response, streaming both bodies chunk by chunk with back-pressure (at most
 * {@link #CHUNKS_IN_FLIGHT} upstream chunks are held: the next is read while one is written to
 * the client), so a multi-GB layer or a chunked PATCH never sits in memory. Modelled on Jetty 12's
 * {@code ProxyHandler}, whose leg names it uses; unlike it, an answer can be held and replaced
 * ({@link ResponseInterceptor}) and failures are answered with OCI error bodies.
 *
 * <p>Called by the router's dispatcher for every proxied route. Headers: hop-by-hop fields are
 * dropped both ways, {@code X-Forwarded-For/-Proto/-Host} and {@code X-Request-Id} are set
 * toward the upstream, everything else (Authorization, Range, Content-Range,
 * Docker-Upload-UUID, OCI-Chunk-Min-Length, ...) passes unchanged; {@code Location} and
 * {@code WWW-Authenticate} are rewritten by {@link PublicUrlRewriter}.
 *
 * <p>The exchanges bounded by their upstream being found down ({@link ExchangeTimeouts#untilDown}:
 * the primary site's) are kept in a list while in flight, so that when the router's probes find
 * that upstream down ({@link #foundDown}) none is left waiting for the idle timeout on a primary
 * that accepts connections and never answers. The list is linked through the exchanges
 * themselves: tracking one allocates nothing and takes a short lock twice; no timer is set per
 * exchange. The router's own requests to such an upstream, made beside a client's exchange (a
 * referrers list re-asked with GET: {@link #ask}; the tag lookup of a miss report:
 * {@link #newRequestUntilDown}), are kept in the same list and given up the same way.
 */
public final class StreamingProxy {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingProxy.class);
    public static final String REQUEST_ID = "X-Request-Id";
    /**
     * Upstream chunks a response may hold at once: one being written to the client while the
     * next is read, so a large blob does not alternate between reading and writing.
     */
    private static final int CHUNKS_IN_FLIGHT = 2;

    private final HttpClient httpClient;
    private final PublicUrlRewriter rewriter;
    private final URI publicUrl;
    private final Duration idleTimeout;
    private final long maxRequestBodyBytes;
    private final int maxHeldBodyBytes;

    /** Guards the list of tracked exchanges in flight, linked through themselves ({@link InFlight}). */
    private final Object inFlightLock = new Object();

    private InFlight inFlight;

    public StreamingProxy(
            HttpClient httpClient,
            PublicUrlRewriter rewriter,
            URI publicUrl,
            Duration idleTimeout,
            long maxRequestBodyBytes,
            int maxHeldBodyBytes) {
        this.httpClient = httpClient;
        this.rewriter = rewriter;
        this.publicUrl = publicUrl;
        this.idleTimeout = idleTimeout;
        this.maxRequestBodyBytes = maxRequestBodyBytes;
        this.maxHeldBodyBytes = maxHeldBodyBytes;
    }

    /**
     * Forwards the request to {@code target} on {@code upstream}, bounded by {@code timeouts}
     * besides the idle timeout. The callback completes when the proxy→client response is fully
     * written (or fails).
     */
    public void forward(
            Request clientToProxyRequest,
            Response proxyToClientResponse,
            Callback proxyToClientCallback,
            Upstream upstream,
            URI target,
            String requestId,
            ResponseInterceptor interceptor,
            ProxyObserver observer,
            ExchangeTimeouts timeouts) {
        long length = clientToProxyRequest.getLength();
        if (maxRequestBodyBytes > 0 && length > maxRequestBodyBytes) {
            OciErrorResponse.send(
                    proxyToClientResponse,
                    proxyToClientCallback,
                    ErrorCode.SIZE_INVALID,
                    "request body of " + length + " bytes exceeds the router's limit of " + maxRequestBodyBytes
                            + " bytes");
            return;
        }
        org.eclipse.jetty.client.Request proxyToServerRequest =
                proxyToServer(clientToProxyRequest, target, clientToProxyRequest.getMethod(), requestId);
        if (timeouts.total() != null) {
            proxyToServerRequest.timeout(timeouts.total().toMillis(), TimeUnit.MILLISECONDS);
        }
        ClientBody clientBody = null;
        if (hasContent(clientToProxyRequest)) {
            clientBody = new ClientBody(clientToProxyRequest);
            Content.Source body = interceptor.requestBody(
                    maxRequestBodyBytes > 0 ? new LimitedContentSource(clientBody, maxRequestBodyBytes) : clientBody);
            String contentType = clientToProxyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE);
            proxyToServerRequest.body(new ContentSourceRequestContent(body, contentType) {
                @Override
                public long getLength() {
                    return length;
                }
            });
        }
        Exchange exchange = new Exchange(
                clientToProxyRequest,
                clientBody,
                proxyToClientResponse,
                proxyToClientCallback,
                upstream,
                interceptor,
                observer,
                System.nanoTime(),
                proxyToServerRequest,
                timeouts.untilDown());
        Duration answerBudget = timeouts.answerBudget();
        if (answerBudget != null) {
            exchange.budget = httpClient
                    .getScheduler()
                    .schedule(() -> exchange.budgetSpent(answerBudget), answerBudget.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (exchange.tracked) {
            track(exchange);
        }
        proxyToServerRequest.send(exchange);
    }

    /**
     * The upstream at {@code origin} was found down: its circuit opened, or failed again while open
     * (called after every such failure, so about once a probe while it stays down). Each tracked
     * exchange in flight to it that has no answer yet is given up with {@link UpstreamFoundDown}:
     * its interceptor answers another way ({@link ResponseInterceptor#takeOverFailure}; a read is
     * asked of the replica), else the client gets {@code 503 UNAVAILABLE} with {@code refusal}, the
     * router's own words for a request refused while that upstream is down. One whose answer has
     * begun is left alone while its body keeps coming; one whose body has not moved for at least
     * {@code stalledAfter}, from one call to a later one, is cut off: the client's connection closes
     * mid-body, and the client retries, as it would if the primary's connection had closed.
     */
    public void foundDown(URI origin, String refusal, Duration stalledAfter) {
        List<InFlight> waiting = new ArrayList<>();
        synchronized (inFlightLock) {
            for (InFlight e = inFlight; e != null; e = e.next) {
                if (e.upstream.origin().equals(origin)) {
                    waiting.add(e);
                }
            }
        }
        long now = System.nanoTime();
        for (InFlight e : waiting) {
            e.foundDown(refusal, now, stalledAfter.toNanos());
        }
    }

    private void track(InFlight exchange) {
        synchronized (inFlightLock) {
            exchange.next = inFlight;
            if (inFlight != null) {
                inFlight.prev = exchange;
            }
            inFlight = exchange;
        }
    }

    private void untrack(InFlight exchange) {
        synchronized (inFlightLock) {
            if (exchange.prev != null) {
                exchange.prev.next = exchange.next;
            } else if (inFlight == exchange) {
                inFlight = exchange.next;
            } else {
                return; // already off the list
            }
            if (exchange.next != null) {
                exchange.next.prev = exchange.prev;
            }
            exchange.prev = null;
            exchange.next = null;
        }
    }

    /**
     * A request of the router's own to {@code upstream} at {@code target} (not a client's), with the
     * idle timeout, given up as {@link #forward}'s exchanges are when {@code upstream} is found down:
     * aborted with {@link UpstreamFoundDown}. Tracked from now until it completes: the caller sends it.
     */
    public org.eclipse.jetty.client.Request newRequestUntilDown(Upstream upstream, URI target) {
        return untilDown(
                upstream, httpClient.newRequest(target).idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** {@code proxyToServerRequest}, tracked until it completes (see {@link #newRequestUntilDown}). */
    private org.eclipse.jetty.client.Request untilDown(
            Upstream upstream, org.eclipse.jetty.client.Request proxyToServerRequest) {
        Asked asked = new Asked(upstream, proxyToServerRequest);
        proxyToServerRequest.onComplete(asked);
        track(asked);
        return proxyToServerRequest;
    }

    /**
     * What {@link #foundDown} gives up: an exchange, or a request of the router's own ({@link
     * Asked}), linked into the proxy's list through itself. A {@link Callback.Completable} only
     * because an exchange is one (it completes the proxy→client response), so that the links cost
     * an exchange no object of their own.
     */
    private abstract static class InFlight extends Callback.Completable {
        final Upstream upstream;
        /** Links of the proxy's list, guarded by its lock. */
        InFlight prev;

        InFlight next;

        InFlight(Upstream upstream) {
            this.upstream = upstream;
        }

        abstract void foundDown(String refusal, long now, long stalledAfterNanos);
    }

    /**
     * A request of the router's own in flight: found down, it is aborted whatever it has received
     * (its answer is small, and held whole by whoever asked), and whoever asked gets the failure.
     */
    private final class Asked extends InFlight implements org.eclipse.jetty.client.Response.CompleteListener {
        private final org.eclipse.jetty.client.Request request;

        Asked(Upstream upstream, org.eclipse.jetty.client.Request request) {
            super(upstream);
            this.request = request;
        }

        @Override
        void foundDown(String refusal, long now, long stalledAfterNanos) {
            request.abort(new UpstreamFoundDown(refusal));
        }

        @Override
        public void onComplete(Result result) {
            untrack(this);
        }
    }

    /**
     * Asks {@code upstream} at {@code target} with {@code method} instead of the client's: the
     * client's headers (its credentials included) as {@link #forward} sends them, the same idle
     * timeout, and the body held up to the same limit. Nothing goes to the client; the answer
     * completes the future, and a failure, or a body over the limit, completes it exceptionally.
     * For an interceptor that needs more than the answer to the client's own method (a HEAD's 404
     * has no body to name its error code). The exchange is reported to {@code observer} as
     * {@link #forward}'s are, and given up as theirs are when {@code upstream} is found down (the
     * future fails with {@link UpstreamFoundDown}). The future completes on the upstream client's I/O thread: what
     * depends on it must not block.
     */
    public CompletableFuture<ResponseInterceptor.HeldResponse> ask(
            Request clientToProxyRequest,
            Upstream upstream,
            URI target,
            String method,
            String requestId,
            ProxyObserver observer) {
        org.eclipse.jetty.client.Request proxyToServerRequest =
                untilDown(upstream, proxyToServer(clientToProxyRequest, target, method, requestId));
        long sentAt = System.nanoTime();
        AtomicBoolean headersSeen = new AtomicBoolean();
        proxyToServerRequest.onResponseHeaders(serverToProxyResponse -> {
            headersSeen.set(true);
            observer.onServerToProxyHeaders(upstream, serverToProxyResponse.getStatus(), System.nanoTime() - sentAt);
        });
        return new CompletableResponseListener(proxyToServerRequest, maxHeldBodyBytes)
                .send()
                .whenComplete((answer, failure) -> {
                    if (failure != null) {
                        observer.onUpstreamFailure(upstream, failure, !headersSeen.get());
                    }
                })
                .thenApply(answer -> new ResponseInterceptor.HeldResponse(answer, answer.getContent()));
    }

    /**
     * The proxy→server request for {@code target} with {@code method}: the idle timeout, and the
     * client's headers as the upstream gets them ({@link #copyRequestHeaders}).
     */
    private org.eclipse.jetty.client.Request proxyToServer(
            Request clientToProxyRequest, URI target, String method, String requestId) {
        org.eclipse.jetty.client.Request proxyToServerRequest =
                httpClient.newRequest(target).method(method).idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        copyRequestHeaders(clientToProxyRequest, proxyToServerRequest, requestId);
        return proxyToServerRequest;
    }

    private void copyRequestHeaders(
            Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest, String requestId) {
        proxyToServerRequest.headers(h -> copyRequestHeaders(clientToProxyRequest, h, requestId));
    }

    /** Into the proxy→server request's fields, in one pass (not a lambda per field). */
    private void copyRequestHeaders(Request clientToProxyRequest, HttpFields.Mutable proxyToServer, String requestId) {
        HttpFields clientToProxy = clientToProxyRequest.getHeaders();
        HopByHopHeaders hop = HopByHopHeaders.of(clientToProxy);
        String forwardedFor = null;
        for (HttpField field : clientToProxy) {
            HttpHeader header = field.getHeader();
            if (header == HttpHeader.HOST || hop.isHopByHop(field)) {
                continue; // the client sets Host from the target; hop-by-hop fields stay here
            }
            if (header == HttpHeader.X_FORWARDED_FOR) {
                forwardedFor = field.getValue();
                continue;
            }
            if (header == HttpHeader.X_FORWARDED_HOST
                    || header == HttpHeader.X_FORWARDED_PROTO
                    || header == HttpHeader.FORWARDED
                    // X-Request-Id is no field Jetty knows by name: only unknown ones are compared.
                    || (header == null && REQUEST_ID.equalsIgnoreCase(field.getName()))) {
                continue; // replaced below: the router, not the client, says where it was reached
            }
            proxyToServer.add(field);
        }
        String remote = Request.getRemoteAddr(clientToProxyRequest);
        String xff = forwardedFor == null || forwardedFor.isBlank() ? remote : forwardedFor + ", " + remote;
        proxyToServer
                .put(HttpHeader.X_FORWARDED_FOR, xff)
                .put(HttpHeader.X_FORWARDED_PROTO, publicUrl.getScheme())
                .put(HttpHeader.X_FORWARDED_HOST, publicUrl.getRawAuthority())
                .put(REQUEST_ID, requestId);
    }

    private static boolean hasContent(Request clientToProxyRequest) {
        long length = clientToProxyRequest.getLength();
        if (length == 0) {
            return false;
        }
        return length > 0 || clientToProxyRequest.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    }

    /**
     * One proxy→server exchange: the server→proxy listener that writes the proxy→client side. It
     * is called on the upstream client's I/O thread (the router's client is {@code NON_BLOCKING})
     * and never blocks: writes to the client complete on callbacks, and what an interceptor does
     * that may block it does on a thread of its own ({@link ResponseInterceptor}).
     */
    private final class Exchange extends InFlight implements org.eclipse.jetty.client.Response.Listener {
        private final Request clientToProxyRequest;
        /** The request body as the upstream reads it; null without one. */
        private final ClientBody clientBody;

        private final Response proxyToClientResponse;
        private final Callback proxyToClientCallback;
        private final ResponseInterceptor interceptor;
        private final ProxyObserver observer;
        private final long sentAt;
        private final org.eclipse.jetty.client.Request proxyToServerRequest;
        /** Kept in the proxy's list while in flight ({@link ExchangeTimeouts#untilDown}). */
        private final boolean tracked;

        private boolean headersSeen;
        /**
         * Set by whichever comes first: the upstream's status and headers, the end of the answer
         * budget, or the upstream found down.
         */
        private final AtomicBoolean answerStarted = new AtomicBoolean();
        /**
         * Why the exchange was given up before the upstream answered (the budget ran out, the
         * upstream was found down); whatever it sends now is dropped.
         */
        private volatile Throwable abandoned;
        // Guarded by this: the chunks received from the upstream and written to the client, and what
        // foundDown saw of them last and when (whether an answer moved between two calls).
        private long moves;
        private long movesLastSeen = -1;
        private long lastSeenAt;

        private volatile Scheduler.Task budget;
        private ByteArrayOutputStream held;
        // The client side's write queue (guarded by this): chunks read from the upstream and not
        // yet written, whether a write is in progress, the upstream demand held back while
        // CHUNKS_IN_FLIGHT chunks are, and the end of the upstream response.
        private final ArrayDeque<Content.Chunk> pending = new ArrayDeque<>();
        private boolean writing;
        private Runnable withheldDemand;
        private boolean upstreamDone;
        private boolean lastWritten;

        Exchange(
                Request clientToProxyRequest,
                ClientBody clientBody,
                Response proxyToClientResponse,
                Callback proxyToClientCallback,
                Upstream upstream,
                ResponseInterceptor interceptor,
                ProxyObserver observer,
                long sentAt,
                org.eclipse.jetty.client.Request proxyToServerRequest,
                boolean tracked) {
            super(upstream);
            this.proxyToServerRequest = proxyToServerRequest;
            this.tracked = tracked;
            this.clientToProxyRequest = clientToProxyRequest;
            this.clientBody = clientBody;
            this.proxyToClientResponse = proxyToClientResponse;
            this.proxyToClientCallback = proxyToClientCallback;
            this.interceptor = interceptor;
            this.observer = observer;
            this.sentAt = sentAt;
        }

        /** The answer budget ran out: abandon the exchange unless the upstream started to answer. */
        void budgetSpent(Duration answerBudget) {
            abandon(new TimeoutException(
                    upstream.name() + " did not start to answer within " + answerBudget.toMillis() + " ms"));
        }

        /** Gives the exchange up unless the upstream started to answer; whether it did. */
        private boolean abandon(Throwable why) {
            if (!answerStarted.compareAndSet(false, true)) {
                return false;
            }
            abandoned = why;
            proxyToServerRequest.abort(why);
            return true;
        }

        /** See {@link StreamingProxy#foundDown}. */
        @Override
        void foundDown(String refusal, long now, long stalledAfterNanos) {
            if (abandon(new UpstreamFoundDown(refusal))) {
                return;
            }
            synchronized (this) {
                // Demand held back waits on the client, not on the upstream: that answer moves.
                if (moves != movesLastSeen || withheldDemand != null) {
                    movesLastSeen = moves;
                    lastSeenAt = now;
                    return;
                }
                if (now - lastSeenAt < stalledAfterNanos) {
                    return;
                }
            }
            if (!proxyToClientResponse.isCommitted()) {
                // Nothing went to the client yet (an answer held whole to be looked at): given up as
                // one without an answer, which its interceptor may answer another way (onFailure).
                proxyToServerRequest.abort(new UpstreamFoundDown(refusal));
                return;
            }
            // Mid-body the client is refused nothing: its connection closes, and it retries. The
            // access log says why, not the refusal of a request that needs the upstream.
            String cutOff = "the answer of " + upstream.description() + " stopped coming "
                    + (now - lastSeenAt) / 1_000_000 + " ms ago and it is found down: cut off";
            LOG.info(
                    "{} {}: {}",
                    clientToProxyRequest.getMethod(),
                    clientToProxyRequest.getHttpURI().getPath(),
                    cutOff);
            proxyToServerRequest.abort(new UpstreamFoundDown(cutOff));
        }

        @Override
        public void onHeaders(org.eclipse.jetty.client.Response serverToProxyResponse) {
            Scheduler.Task task = budget;
            if (task != null) {
                task.cancel();
            }
            if (!answerStarted.compareAndSet(false, true)) {
                return; // too late: the exchange is being aborted
            }
            headersSeen = true;
            observer.onServerToProxyHeaders(upstream, serverToProxyResponse.getStatus(), System.nanoTime() - sentAt);
            if (interceptor.hold(serverToProxyResponse)) {
                held = new ByteArrayOutputStream();
            } else {
                copyResponseHeaders(serverToProxyResponse);
            }
        }

        private void copyResponseHeaders(org.eclipse.jetty.client.Response serverToProxyResponse) {
            proxyToClientResponse.setStatus(serverToProxyResponse.getStatus());
            HttpFields serverToProxy = serverToProxyResponse.getHeaders();
            HttpFields.Mutable proxyToClient = proxyToClientResponse.getHeaders();
            HopByHopHeaders hop = HopByHopHeaders.of(serverToProxy);
            for (HttpField field : serverToProxy) {
                if (hop.isHopByHop(field)) {
                    continue;
                }
                HttpField out = field;
                if (field.getHeader() == HttpHeader.LOCATION) {
                    out = new HttpField(HttpHeader.LOCATION, rewriter.location(field.getValue()));
                } else if (field.getHeader() == HttpHeader.WWW_AUTHENTICATE) {
                    out = new HttpField(HttpHeader.WWW_AUTHENTICATE, rewriter.wwwAuthenticate(field.getValue()));
                }
                proxyToClient.add(out);
            }
        }

        @Override
        public void onContent(
                org.eclipse.jetty.client.Response serverToProxyResponse,
                Content.Chunk serverToProxyChunk,
                Runnable serverToProxyDemander) {
            if (abandoned != null) {
                return; // the abort ends the exchange; nothing more is read
            }
            ByteBuffer content = serverToProxyChunk.getByteBuffer();
            if (held != null) {
                synchronized (this) {
                    moves++;
                }
                if (held.size() + content.remaining() <= maxHeldBodyBytes) {
                    byte[] bytes = new byte[content.remaining()];
                    content.get(bytes);
                    held.write(bytes, 0, bytes.length);
                    serverToProxyDemander.run();
                    return;
                }
                // Larger than anything worth looking at: send what was held and stream the rest.
                byte[] sofar = held.toByteArray();
                held = null;
                copyResponseHeaders(serverToProxyResponse);
                serverToProxyChunk.retain();
                synchronized (this) {
                    pending.add(serverToProxyChunk);
                    writing = true;
                    withheldDemand = serverToProxyDemander;
                }
                proxyToClientResponse.write(
                        false, ByteBuffer.wrap(sofar), new ChunkWritten(null, serverToProxyResponse));
                return;
            }
            serverToProxyChunk.retain();
            Runnable demandNow = null;
            boolean start;
            synchronized (this) {
                moves++;
                pending.add(serverToProxyChunk);
                if (pending.size() + (writing ? 1 : 0) < CHUNKS_IN_FLIGHT) {
                    demandNow = serverToProxyDemander;
                } else {
                    withheldDemand = serverToProxyDemander;
                }
                start = !writing;
                writing = true;
            }
            if (start) {
                writeNext(serverToProxyResponse);
            }
            if (demandNow != null) {
                demandNow.run();
            }
        }

        /**
         * Writes the next pending chunk (or, once the upstream is done and nothing is pending, the
         * end of the response). At most one write is in progress; it is started by whoever finds
         * none in progress, and each completed write starts the next.
         */
        private void writeNext(org.eclipse.jetty.client.Response serverToProxyResponse) {
            Content.Chunk next;
            boolean finish = false;
            synchronized (this) {
                next = pending.poll();
                if (next == null) {
                    if (upstreamDone && !lastWritten) {
                        lastWritten = true;
                        finish = true;
                    } else {
                        writing = false;
                        return;
                    }
                }
            }
            if (finish) {
                proxyToClientResponse.write(true, BufferUtil.EMPTY_BUFFER, this);
                return;
            }
            proxyToClientResponse.write(false, next.getByteBuffer(), new ChunkWritten(next, serverToProxyResponse));
        }

        /** Completion of one write to the client: frees its chunk, lets the upstream read on, writes the next. */
        private final class ChunkWritten implements Callback {
            private final Content.Chunk chunk;
            private final org.eclipse.jetty.client.Response serverToProxyResponse;

            ChunkWritten(Content.Chunk chunk, org.eclipse.jetty.client.Response serverToProxyResponse) {
                this.chunk = chunk;
                this.serverToProxyResponse = serverToProxyResponse;
            }

            @Override
            public void succeeded() {
                if (chunk != null) {
                    chunk.release();
                }
                Runnable demand;
                synchronized (Exchange.this) {
                    moves++;
                    demand = withheldDemand;
                    withheldDemand = null;
                }
                if (demand != null) {
                    demand.run();
                }
                writeNext(serverToProxyResponse);
            }

            @Override
            public void failed(Throwable failure) {
                if (chunk != null) {
                    chunk.release();
                }
                releasePending();
                // The client is gone: stop reading from the upstream.
                serverToProxyResponse.abort(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }

        private void releasePending() {
            synchronized (this) {
                Content.Chunk c;
                while ((c = pending.poll()) != null) {
                    c.release();
                }
                withheldDemand = null;
            }
        }

        @Override
        public void onSuccess(org.eclipse.jetty.client.Response serverToProxyResponse) {
            if (held != null || abandoned != null) {
                return;
            }
            boolean start;
            synchronized (this) {
                upstreamDone = true;
                start = !writing;
                writing = true;
            }
            if (start) {
                writeNext(serverToProxyResponse);
            }
        }

        @Override
        public void onComplete(Result result) {
            if (tracked) {
                untrack(this);
            }
            Throwable abandonedBy = abandoned;
            if (abandonedBy != null) {
                // Usually the abort's own failure; an exchange that completed as it was given up is one too.
                onFailure(result.isFailed() ? result : new Result(result, abandonedBy));
                return;
            }
            if (result.isFailed()) {
                onFailure(result);
                return;
            }
            if (held != null) {
                byte[] body = held.toByteArray();
                org.eclipse.jetty.client.Response serverToProxyResponse = result.getResponse();
                interceptor.onHeld(new ResponseInterceptor.HeldResponse(serverToProxyResponse, body), () -> {
                    copyResponseHeaders(serverToProxyResponse);
                    proxyToClientResponse.write(true, ByteBuffer.wrap(body), proxyToClientCallback);
                });
                return;
            }
            whenComplete((ignored, failure) -> {
                if (failure == null) {
                    proxyToClientCallback.succeeded();
                } else {
                    proxyToClientCallback.failed(failure);
                }
            });
        }

        private void onFailure(Result result) {
            Throwable failure = result.getFailure();
            releasePending();
            if (failure instanceof LimitedContentSource.BodyTooLargeException tooLarge) {
                OciErrorResponse.send(
                        proxyToClientResponse, proxyToClientCallback, ErrorCode.SIZE_INVALID, tooLarge.getMessage());
                return;
            }
            if (BodyTooSlowException.isCause(failure) || (clientBody != null && clientBody.failedByClient(failure))) {
                // The client→proxy leg failed (a body too slow, a client gone or silent mid-upload),
                // not the upstream: its circuit and metrics are not told.
                if (proxyToClientResponse.isCommitted()) {
                    proxyToClientCallback.failed(failure);
                } else {
                    OciErrorResponse.send(
                            proxyToClientResponse,
                            proxyToClientCallback,
                            ErrorCode.BLOB_UPLOAD_INVALID,
                            BodyTooSlowException.isCause(failure)
                                    ? failure.getMessage()
                                    : "the request body stopped arriving: " + failure.getMessage());
                }
                return;
            }
            observer.onUpstreamFailure(upstream, failure, !headersSeen);
            // An answer held whole and given up when its upstream was found down reached no one:
            // as one without an answer yet, its interceptor may answer another way.
            if ((!headersSeen || (held != null && failure instanceof UpstreamFoundDown))
                    && !proxyToClientResponse.isCommitted()
                    && interceptor.takeOverFailure(failure)) {
                return;
            }
            LOG.debug(
                    "{} exchange with {} failed",
                    clientToProxyRequest.getHttpURI().getPath(),
                    upstream.name(),
                    failure);
            if (proxyToClientResponse.isCommitted()) {
                proxyToClientCallback.failed(failure);
                return;
            }
            OciErrorResponse.send(
                    proxyToClientResponse,
                    proxyToClientCallback,
                    ErrorCode.UNAVAILABLE,
                    failure instanceof UpstreamFoundDown
                            ? failure.getMessage()
                            : upstream.description() + " is unreachable: " + UpstreamFailure.describe(failure));
        }
    }
}
