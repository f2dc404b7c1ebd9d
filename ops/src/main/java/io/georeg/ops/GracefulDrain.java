package io.georeg.ops;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;

/**
 * A port's graceful drain, the outermost wrapper of every component's handler tree (the router's
 * public port, registry-read's and the replicator's). When its server stops, Jetty shuts every
 * {@link Graceful} down before it stops the connectors (up to the server's stop timeout): the
 * connector stops accepting, answers from then on carry {@code Connection: close}, idle connections
 * are closed after the connector's shutdown idle timeout, and this drain completes once no request
 * is in flight.
 *
 * <p>Unlike Jetty's {@code GracefulHandler}, which answers 503 to every request that arrives once the
 * drain began, a request that still arrives on a connection opened before (a keep-alive client or
 * a load balancer's pooled upstream connection that has not seen the stop yet) is served: the
 * component still runs everything it needs until its port has drained, and the answer's
 * {@code Connection: close} sends the client's next request over a new connection, to a process
 * that is not stopping. A 503 there would fail a pull or a push that nothing else failed.
 */
public final class GracefulDrain extends Handler.Wrapper implements Graceful {
    private final AtomicLong inFlight = new AtomicLong();
    private final Graceful.Shutdown shutdown = new Graceful.Shutdown(this) {
        @Override
        public boolean isShutdownDone() {
            return inFlight.get() == 0;
        }
    };

    public GracefulDrain(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        inFlight.incrementAndGet();
        Callback counted = new Callback() {
            @Override
            public void succeeded() {
                try {
                    callback.succeeded();
                } finally {
                    finished();
                }
            }

            @Override
            public void failed(Throwable failure) {
                try {
                    callback.failed(failure);
                } finally {
                    finished();
                }
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        boolean handled;
        try {
            handled = super.handle(request, response, counted);
        } catch (Exception | Error e) {
            finished();
            throw e;
        }
        if (!handled) {
            finished();
        }
        return handled;
    }

    private void finished() {
        inFlight.decrementAndGet();
        if (shutdown.isShutdown()) {
            shutdown.check();
        }
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        return shutdown.shutdown();
    }

    @Override
    public boolean isShutdown() {
        return shutdown.isShutdown();
    }
}
