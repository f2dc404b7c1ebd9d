package io.georeg.router;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.TryExecutor;

/**
 * The public listener's executor: the server's thread pool, except that a client connection
 * handed back to it once its answer is complete runs at once on the thread that completed the
 * answer. Jetty (12.1, {@code HttpStreamOverHTTP1.resume}) executes the connection whenever a
 * response completes on another thread than the one that handled the request — for a proxied
 * read always, on the upstream client's I/O thread that wrote the answer — and the connection's
 * read then usually finds nothing yet and re-arms the selector: a pool thread woken per request
 * for one system call (the Router section of docs/benchmarks.md, sessions 11, 12 and 14).
 *
 * <p>Inline only once {@link Router} has found the whole handler tree non-blocking
 * ({@link #handlersNonBlocking}), as {@link RoutingHandler} is: what the resumed connection may
 * run then is what Jetty already runs on a selector's thread. Before that, and for every other
 * task (the selectors, the acceptors, the handlers Jetty dispatches), the pool as before.
 */
final class InlineResume implements TryExecutor {
    private final TryExecutor pool;
    private volatile boolean inline;

    InlineResume(TryExecutor pool) {
        this.pool = pool;
    }

    /** Called once the server has started with its handlers: a blocking tree keeps the pool for every task. */
    void handlersNonBlocking(InvocationType handlers) {
        inline = handlers == InvocationType.NON_BLOCKING;
    }

    @Override
    public void execute(Runnable task) {
        if (inline && task instanceof Connection) {
            task.run();
        } else {
            pool.execute(task);
        }
    }

    @Override
    public boolean tryExecute(Runnable task) {
        return pool.tryExecute(task);
    }

    @Override
    public String toString() {
        return "InlineResume[" + pool + "]";
    }
}
