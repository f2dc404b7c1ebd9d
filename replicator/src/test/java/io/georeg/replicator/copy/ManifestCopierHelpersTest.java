package io.georeg.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A manifest's blob-copy helpers: reused threads, awaited, interrupted only for their own manifest. */
class ManifestCopierHelpersTest {

    /**
     * The pool is the process's (static), shared with this class's other tests. A manifest whose
     * three helpers ran at once leaves three threads waiting for work; a later manifest's helpers
     * then start no thread: each runs on a pool thread alive before it began. (Helpers that do
     * not run at once may share a thread, and a later manifest whose helpers do then needs a
     * thread more: a version of this test that did not hold the helpers together failed.)
     */
    @Test
    void aLaterManifestsHelpersRunOnTheThreadsOfAnEarlierOneNotOnNewThreads() {
        Set<Thread> first = ConcurrentHashMap.newKeySet();
        run(3, together(3, () -> first.add(Thread.currentThread())));
        // As a worker stores the manifest and tag next: the helpers' threads wait for work again
        // (the pool's timed poll for the next task).
        await().atMost(Duration.ofSeconds(30))
                .until(() -> helperThreadsAlive().stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
        Set<Thread> poolBefore = helperThreadsAlive();
        Set<Thread> second = ConcurrentHashMap.newKeySet();
        run(3, together(3, () -> second.add(Thread.currentThread())));

        assertThat(first).hasSize(3).allMatch(t -> t.getName().startsWith("blob-copy-helper-"));
        // Before, each helper was a thread of its own, started for its manifest and ended with it.
        assertThat(second).hasSize(3).allMatch(poolBefore::contains);
    }

    /** {@code task}, then a wait until {@code count} helpers have run it: they run at once, each on a thread. */
    private static Runnable together(int count, Runnable task) {
        CountDownLatch all = new CountDownLatch(count);
        return () -> {
            task.run();
            all.countDown();
            try {
                all.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static Set<Thread> helperThreadsAlive() {
        Set<Thread> alive = ConcurrentHashMap.newKeySet();
        Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("blob-copy-helper-"))
                .forEach(alive::add);
        return alive;
    }

    @Test
    void awaitReturnsOnlyOnceEveryHelperHasEnded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        ManifestCopier.Helpers helpers = new ManifestCopier.Helpers(3);
        helpers.start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended.incrementAndGet();
        });
        Thread releaser = Thread.ofPlatform().start(() -> {
            sleep(200);
            release.countDown();
        });
        helpers.await();
        assertThat(ended).hasValue(3);
        releaser.join();
    }

    @Test
    void anInterruptedAwaitInterruptsItsRunningHelpersWaitsForThemAndLeavesTheThreadsClean() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interruptedHelpers = new AtomicInteger();
        ManifestCopier.Helpers helpers = new ManifestCopier.Helpers(2);
        helpers.start(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interruptedHelpers.incrementAndGet();
                Thread.currentThread().interrupt(); // left set: the pool's thread must not keep it
            }
        });
        AtomicBoolean awaitLeftInterrupted = new AtomicBoolean();
        Thread worker = Thread.ofPlatform().start(() -> {
            helpers.await();
            awaitLeftInterrupted.set(Thread.currentThread().isInterrupted());
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        worker.interrupt();
        worker.join(30_000);

        assertThat(worker.isAlive()).isFalse();
        sleep(200);
        assertThat(interruptedHelpers).hasValue(2);
        assertThat(awaitLeftInterrupted).isTrue();
        // The same threads then run another manifest's helpers without an interrupt of the last one.
        Set<Boolean> interruptedAtStart = ConcurrentHashMap.newKeySet();
        run(2, () -> interruptedAtStart.add(Thread.currentThread().isInterrupted()));
        assertThat(interruptedAtStart).containsExactly(false);
    }

    /** A manifest's helpers as {@code ManifestCopier} runs them, the worker's own share left out. */
    private static void run(int count, Runnable task) {
        ManifestCopier.Helpers helpers = new ManifestCopier.Helpers(count);
        try {
            helpers.start(task);
        } finally {
            helpers.await();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
