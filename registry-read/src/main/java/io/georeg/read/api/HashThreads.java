package io.georeg.read.api;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * The threads that hash large filesystem blobs ahead of their sending ({@link HashAhead}): at most
 * one per processor, since hashing is all CPU. Owned by {@link DirectReads}, which
 * starts and stops them with itself. A download that finds
 * every one of them busy (or the context stopped) hashes on its own request thread, as a small
 * blob always does: nothing ever waits for a hashing thread, so a burst of downloads cannot
 * deadlock the request threads, and the extra thread goes where a core is free to run it.
 */
public final class HashThreads extends AbstractLifeCycle {
    private final int maxThreads;
    private volatile ThreadPoolExecutor pool;

    /** @param maxThreads at most this many blobs are hashed ahead at once */
    public HashThreads(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1 (got " + maxThreads + ")");
        }
        this.maxThreads = maxThreads;
    }

    /** One thread per processor of this JVM. */
    public static HashThreads perProcessor() {
        return new HashThreads(Runtime.getRuntime().availableProcessors());
    }

    @Override
    protected void doStart() {
        // No queue: a task is taken by an idle thread or a new one, else refused at once.
        pool = new ThreadPoolExecutor(
                0,
                maxThreads,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                Thread.ofPlatform().name("registry-read-hash-", 0).daemon(true).factory());
    }

    @Override
    protected void doStop() throws InterruptedException {
        ThreadPoolExecutor p = pool;
        pool = null;
        if (p != null) {
            // A hash in flight is interrupted; its download is aborted, as any download is at stop.
            p.shutdownNow();
            p.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code task} on a free hashing thread; false when there is none (or these threads are stopped). */
    boolean tryRun(Runnable task) {
        ThreadPoolExecutor p = pool;
        if (p == null) {
            return false;
        }
        try {
            p.execute(task);
            return true;
        } catch (RejectedExecutionException busyOrStopped) {
            return false;
        }
    }
}
