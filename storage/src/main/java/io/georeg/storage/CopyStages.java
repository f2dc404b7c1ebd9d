package io.georeg.storage;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that run the hash and write stages of {@link HashingCopy}, shared by every copy of
 * the process and kept while they have work. A new platform thread per stage (two per blob of
 * {@value HashingCopy#INLINE_BELOW_BYTES} bytes or more) cost about 0.45 ms of CPU to start and
 * end on this project's 2-core machine (docs/benchmarks.md, Replication), 84 of them in each
 * initial replication of the replication benchmark's 61 images. A thread idle for
 * {@value #KEEP_ALIVE_SECONDS} s ends.
 *
 * <p>A thread carries the stage's name while it runs one and its idle name otherwise, and a
 * stage counts as ended only once its thread has taken the idle name back: "no thread named for
 * a copy's stage is alive once the copy has returned" still says that nothing of a copy
 * outlives it.
 */
final class CopyStages {
    static final long KEEP_ALIVE_SECONDS = 30;

    private static final ExecutorService THREADS = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Thread.ofPlatform().name("blob-copy-stage-", 1).daemon().factory());

    private CopyStages() {}

    /** One stage under way; {@link #awaitEnd} returns once it has ended. */
    static final class Stage {
        private final CountDownLatch ended = new CountDownLatch(1);

        private Stage() {}

        /**
         * Waits for the stage to end, even when the caller is interrupted meanwhile (its flag is
         * set again afterwards), as {@link OneShotWrite#awaitEnd} waits for a thread: a stage ends
         * by itself, soon, and nothing may be committed or discarded while it still runs.
         */
        void awaitEnd() {
            OneShotWrite.uninterruptibly(ended::await);
        }
    }

    /** Runs {@code body} on a thread of the pool under {@code name}. */
    static Stage start(String name, Runnable body) {
        Stage stage = new Stage();
        THREADS.execute(() -> {
            Thread thread = Thread.currentThread();
            String idle = thread.getName();
            thread.setName(name);
            try {
                body.run();
            } finally {
                thread.setName(idle);
                Thread.interrupted(); // an interrupt meant for this stage stays with it
                stage.ended.countDown();
            }
        });
        return stage;
    }

    /** {@link Stage#awaitEnd} of a stage that may never have started (null). */
    static void awaitEnd(Stage stage) {
        if (stage != null) {
            stage.awaitEnd();
        }
    }
}
