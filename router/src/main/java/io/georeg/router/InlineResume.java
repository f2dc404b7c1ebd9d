package io.georeg.router;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.TryExecutor;

/**
 * The public listener's executor: the server's thread pool, except that a client connection
 * handed back to it once a proxied answer is complete runs at once on the upstream client's I/O
 * thread that completed the answer. Jetty (12.1, {@code HttpStreamOverHTTP1.resume}) executes the
 * connection whenever a response completes on another thread than the one that handled the
 * request, and the connection's read then usually finds nothing yet and re-arms the selector: a
 * pool thread woken per proxied read for one system call (the Router section of
 * docs/benchmarks.md, sessions 11, 12, 14 and 15).
 *
 * <p>Inline only where it cannot nest into anything that waits:
 *
 * <ul>
 *   <li>only on a thread of the upstream client's pool ({@link #clientPool}), which runs nothing
 *       but non-blocking work (Jetty's client I/O and the proxy's listeners), and only once
 *       {@link Router} has found the whole handler tree non-blocking ({@link #handlersNonBlocking}),
 *       as {@link RoutingHandler} is: what the resumed connection runs then is what Jetty runs on
 *       a selector's thread (parse the next request, route it, send it upstream or start the
 *       virtual thread of a leg that blocks), and it returns at once;
 *   <li>never from inside a connection already resumed inline on that thread: one level at most,
 *       so a keep-alive connection's stack does not grow with its requests.
 * </ul>
 *
 * Any other thread hands the connection to the pool as before. Above all a virtual thread: an
 * in-process registry-read answer (or the token shield's) completes there inside Jetty's
 * serialized write callback of the answer, and the next request routed on that thread — a read
 * the fence view clears in memory, or any read in primary-down mode, goes to registry-read on
 * the thread that routed it — blocked on its own writes, whose callbacks waited behind the outer
 * one forever (FailoverIT's serve-sample hung 30 s, session 14; the test is
 * RouterWithRegistryReadIT's pipelined reads).
 */
final class InlineResume implements TryExecutor {
    private final TryExecutor pool;
    private volatile boolean inline;

    InlineResume(TryExecutor pool) {
        this.pool = pool;
    }

    /** The upstream HTTP client's pool: the only threads on which a connection resumes inline. */
    static QueuedThreadPool clientPool() {
        return new QueuedThreadPool() {
            @Override
            public Thread newThread(Runnable task) {
                // What QueuedThreadPool's own does, but of the class this executor recognises.
                Thread thread = new ClientThread(task);
                thread.setDaemon(isDaemon());
                thread.setPriority(getThreadsPriority());
                thread.setName(getName() + "-" + thread.threadId());
                return thread;
            }
        };
    }

    /** A thread of {@link #clientPool}; knows whether it is running a connection resumed inline. */
    static final class ClientThread extends Thread {
        /** Read and written by this thread only. */
        private boolean resuming;

        ClientThread(Runnable task) {
            super(task);
        }
    }

    /** Called once the server has started with its handlers: a blocking tree keeps the pool for every task. */
    void handlersNonBlocking(InvocationType handlers) {
        inline = handlers == InvocationType.NON_BLOCKING;
    }

    @Override
    public void execute(Runnable task) {
        if (inline
                && task instanceof Connection
                && Thread.currentThread() instanceof ClientThread thread
                && !thread.resuming) {
            thread.resuming = true;
            try {
                task.run();
            } finally {
                thread.resuming = false;
            }
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
