package io.georeg.router.proxy;

import io.georeg.oci.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.DateGenerator;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Hands a client request straight to a handler running in this process (registry-read's, when
 * the router hosts it) instead of proxying it over a loopback HTTP connection: the same request
 * object, a response whose status and headers are kept aside until the handler's first write,
 * so a small answer can be held and replaced exactly like {@link ResponseInterceptor} does for
 * proxied ones (the replica's 404 before a fallback to the primary). Everything else streams
 * into the client response as the handler writes it. Called by the router's dispatcher for
 * REPLICA routes when the replica is in process.
 */
public final class InProcessDispatch {

    /** What the caller decides about an in-process answer. */
    public interface Decision {
        /** True holds an answer of this status: its body is collected and handed to {@link #onHeld}. */
        boolean hold(int status);

        /**
         * Called once a held answer is complete. Run {@code release} to send it to the client as
         * is, or answer the client some other way (the client response is untouched) and do not.
         */
        void onHeld(int status, byte[] body, Runnable release);

        /**
         * Called when the handler did not start to answer within the answer budget: true means the
         * decision answered the client another way; false lets the dispatch answer 503.
         */
        default boolean takeOverFailure(Throwable failure) {
            return false;
        }
    }

    private final Handler handler;
    private final int maxHeldBodyBytes;
    private final PublicUrlRewriter rewriter;

    /** @param handler started with the router (or in its own server); called from the router's request threads */
    public InProcessDispatch(Handler handler, int maxHeldBodyBytes) {
        this(handler, maxHeldBodyBytes, null);
    }

    /**
     * @param rewriter rewrites the realm of the handler's {@code WWW-Authenticate} challenges to the
     *                 public token endpoint, as the proxy does for a remote replica's, so that
     *                 clients fetch their tokens through the router (and its outage shield); null
     *                 passes them as they are
     */
    public InProcessDispatch(Handler handler, int maxHeldBodyBytes, PublicUrlRewriter rewriter) {
        this.handler = handler;
        this.maxHeldBodyBytes = maxHeldBodyBytes;
        this.rewriter = rewriter;
    }

    public void dispatch(Request request, Response response, Callback callback, Decision decision) throws Exception {
        dispatch(request, response, callback, decision, null);
    }

    /**
     * As {@link #dispatch(Request, Response, Callback, Decision)}; when the handler has not started
     * to answer within {@code answerBudget} (a database or storage that hangs) its answer is
     * abandoned — whatever it writes later is dropped — and {@link Decision#takeOverFailure} answers
     * the client instead. Null: no budget.
     */
    public void dispatch(
            Request request, Response response, Callback callback, Decision decision, Duration answerBudget)
            throws Exception {
        Intercepted intercepted = new Intercepted(request, response, callback, decision);
        if (answerBudget != null) {
            Scheduler.Task task = request.getComponents()
                    .getScheduler()
                    .schedule(
                            () -> intercepted.budgetSpent(answerBudget),
                            answerBudget.toMillis(),
                            TimeUnit.MILLISECONDS);
            intercepted.budget = task;
        }
        if (!handler.handle(request, intercepted, intercepted.completion)) {
            intercepted.cancelBudget();
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
    }

    /**
     * The handler's view of the response. Status and headers stay here until the first write
     * (or completion without a write) decides: copied to the client response and streamed, or
     * held.
     */
    private final class Intercepted extends Response.Wrapper {
        private final Callback clientCallback;
        private final Decision decision;
        private final HttpFields.Mutable headers = HttpFields.build();
        private final AtomicBoolean completed = new AtomicBoolean();
        private final Callback completion;
        private int status = HttpStatus.OK_200;
        private boolean committed;
        private ByteArrayOutputStream held;
        /** Guarded by this: the answer budget ran out before the handler answered; its output is dropped. */
        private boolean abandoned;

        private volatile Scheduler.Task budget;

        Intercepted(Request request, Response clientResponse, Callback clientCallback, Decision decision) {
            super(request, clientResponse);
            this.clientCallback = clientCallback;
            this.decision = decision;
            this.completion = new Callback() {
                @Override
                public void succeeded() {
                    if (completed.compareAndSet(false, true)) {
                        complete();
                    }
                }

                @Override
                public void failed(Throwable failure) {
                    if (completed.compareAndSet(false, true) && !isAbandoned()) {
                        clientCallback.failed(failure);
                    }
                }

                @Override
                public InvocationType getInvocationType() {
                    return clientCallback.getInvocationType();
                }
            };
        }

        private synchronized boolean isAbandoned() {
            return abandoned;
        }

        void cancelBudget() {
            Scheduler.Task task = budget;
            if (task != null) {
                task.cancel();
            }
        }

        /** The budget ran out: abandon the handler's answer unless it started one, and let the decision answer. */
        void budgetSpent(Duration answerBudget) {
            synchronized (this) {
                if (committed || held != null || completed.get()) {
                    return;
                }
                abandoned = true;
            }
            TimeoutException timeout = new TimeoutException(
                    "the replica did not start to answer within " + answerBudget.toMillis() + " ms");
            if (!decision.takeOverFailure(timeout)) {
                OciErrorResponse.send(
                        getWrapped(), clientCallback, ErrorCode.UNAVAILABLE, timeout.getMessage() + "; retry later");
            }
        }

        @Override
        public int getStatus() {
            return status;
        }

        @Override
        public void setStatus(int code) {
            if (!committed && held == null) {
                status = code;
            }
        }

        @Override
        public HttpFields.Mutable getHeaders() {
            return headers;
        }

        @Override
        public boolean isCommitted() {
            return committed || held != null;
        }

        @Override
        public void reset() {
            if (isCommitted()) {
                throw new IllegalStateException("response committed");
            }
            status = HttpStatus.OK_200;
            headers.clear();
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            synchronized (this) {
                if (abandoned) {
                    callback.failed(new CancellationException("answered too late: the read went elsewhere"));
                    return;
                }
                if (!committed && held == null) {
                    cancelBudget();
                    if (decision.hold(status)) {
                        held = new ByteArrayOutputStream();
                    } else {
                        commitHeaders();
                    }
                }
            }
            if (held != null) {
                int size = content == null ? 0 : content.remaining();
                if (held.size() + size <= maxHeldBodyBytes) {
                    if (size > 0) {
                        byte[] bytes = new byte[size];
                        content.get(bytes);
                        held.write(bytes, 0, size);
                    }
                    callback.succeeded();
                    return;
                }
                // Larger than anything worth looking at: send what was held and stream the rest.
                byte[] sofar = held.toByteArray();
                held = null;
                commitHeaders();
                getWrapped()
                        .write(
                                false,
                                ByteBuffer.wrap(sofar),
                                Callback.from(() -> getWrapped().write(last, content, callback), callback::failed));
                return;
            }
            getWrapped().write(last, content, callback);
        }

        /** The handler is done: decide about a held answer, or let Jetty finish a streamed one. */
        private void complete() {
            synchronized (this) {
                if (abandoned) {
                    return;
                }
                cancelBudget();
            }
            if (held != null) {
                byte[] body = held.toByteArray();
                held = null;
                decision.onHeld(status, body, () -> {
                    commitHeaders();
                    getWrapped().write(true, ByteBuffer.wrap(body), clientCallback);
                });
                return;
            }
            if (!committed) {
                commitHeaders();
                getWrapped().write(true, BufferUtil.EMPTY_BUFFER, clientCallback);
                return;
            }
            clientCallback.succeeded();
        }

        private void commitHeaders() {
            committed = true;
            Response client = getWrapped();
            client.setStatus(status);
            HttpFields.Mutable out = client.getHeaders();
            for (var field : headers) {
                if (rewriter != null && field.getHeader() == HttpHeader.WWW_AUTHENTICATE) {
                    out.add(HttpHeader.WWW_AUTHENTICATE, rewriter.wwwAuthenticate(field.getValue()));
                } else {
                    out.add(field);
                }
            }
            // The replica is an origin: its answers carry their own Date, as over HTTP.
            if (!out.contains(HttpHeader.DATE)) {
                out.put(HttpHeader.DATE, DateGenerator.formatDate(System.currentTimeMillis()));
            }
        }
    }
}
