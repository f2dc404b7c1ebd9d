package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Reads of the fence generation: never a query that began before the caller, shared by concurrent callers. */
class LatestGenerationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Queries that read {@link #value} when they start, then block until the test releases each one. */
    private static final class BlockingQueries {
        final AtomicLong value = new AtomicLong();
        final List<CountDownLatch> started = new CopyOnWriteArrayList<>();

        long run() {
            long read = value.get();
            CountDownLatch release = new CountDownLatch(1);
            started.add(release);
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return read;
        }

        void awaitStarted(int queries) {
            await().atMost(WAIT).until(() -> started.size() == queries);
        }

        void release(int query) {
            started.get(query).countDown();
        }
    }

    /** A call of {@link LatestGeneration#get} on a thread of its own (the common pool may have one thread, which a blocked query would hold). */
    private record Caller(Thread thread, CompletableFuture<Long> result) {
        static Caller of(LatestGeneration latest) {
            CompletableFuture<Long> result = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.complete(latest.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            return new Caller(thread, result);
        }
    }

    private static CompletableFuture<Long> caller(LatestGeneration latest) {
        return Caller.of(latest).result();
    }

    /** {@code n} callers, each blocked in {@link LatestGeneration#get} before this returns. */
    private static List<CompletableFuture<Long>> blockedCallers(LatestGeneration latest, int n) {
        List<Caller> callers =
                IntStream.range(0, n).mapToObj(i -> Caller.of(latest)).toList();
        for (Caller c : callers) {
            await().atMost(WAIT).until(() -> c.thread().getState() == Thread.State.WAITING);
        }
        return callers.stream().map(Caller::result).toList();
    }

    @Test
    void aCallerWhoseQueryIsRunningAlreadyWaitsForTheNextOneWhichLaterCallersShare() {
        BlockingQueries queries = new BlockingQueries();
        LatestGeneration latest = new LatestGeneration(queries::run, 1);

        queries.value.set(1);
        CompletableFuture<Long> first = caller(latest);
        queries.awaitStarted(1);

        // The row changes after the first query read it: the callers that came meanwhile must see the change.
        List<CompletableFuture<Long>> later = blockedCallers(latest, 3);
        queries.value.set(2);
        queries.release(0);
        assertThat(first).succeedsWithin(WAIT).isEqualTo(1L);

        queries.awaitStarted(2);
        queries.release(1);
        for (CompletableFuture<Long> result : later) {
            assertThat(result).succeedsWithin(WAIT).isEqualTo(2L);
        }
        assertThat(queries.started).as("the later callers shared one query").hasSize(2);
    }

    @Test
    void queriesOverlapUpToTheLimitAndLaterCallersNeverTakeTheAnswerOfOneRunningWhenTheyCame() {
        BlockingQueries queries = new BlockingQueries();
        LatestGeneration latest = new LatestGeneration(queries::run, 2);

        queries.value.set(1);
        CompletableFuture<Long> first = caller(latest);
        queries.awaitStarted(1);
        CompletableFuture<Long> second = caller(latest);
        queries.awaitStarted(2);

        // Both slots taken: later callers wait, and the row changes after both running queries read it.
        List<CompletableFuture<Long>> later = blockedCallers(latest, 3);
        queries.value.set(2);

        // The first query ends: its slot goes to the later callers' query, which reads the change.
        queries.release(0);
        assertThat(first).succeedsWithin(WAIT).isEqualTo(1L);
        queries.awaitStarted(3);
        queries.release(2);
        for (CompletableFuture<Long> result : later) {
            assertThat(result)
                    .succeedsWithin(WAIT)
                    .as("not the answer of a query running when the caller came")
                    .isEqualTo(2L);
        }
        assertThat(second).as("still waiting for its own query").isNotDone();
        queries.release(1);
        assertThat(second).succeedsWithin(WAIT).isEqualTo(1L);
        assertThat(queries.started).as("the later callers shared one query").hasSize(3);
    }

    @Test
    void aCallerWithAFreeSlotStartsAQueryAtOnceWhileAnotherRuns() {
        BlockingQueries queries = new BlockingQueries();
        LatestGeneration latest = new LatestGeneration(queries::run, 2);

        CompletableFuture<Long> first = caller(latest);
        queries.awaitStarted(1);
        queries.value.set(5);
        CompletableFuture<Long> second = caller(latest);
        queries.awaitStarted(2);
        queries.release(1);
        assertThat(second).succeedsWithin(WAIT).isEqualTo(5L);
        assertThat(first).isNotDone();
        queries.release(0);
        assertThat(first).succeedsWithin(WAIT).isEqualTo(0L);
    }

    @Test
    void aRequestReturnsAtOnceAndIsAnsweredWhenItsQueryEnds() {
        BlockingQueries queries = new BlockingQueries();
        LatestGeneration latest = new LatestGeneration(queries::run, 1);

        queries.value.set(3);
        CompletableFuture<Long> answer = latest.request();
        queries.awaitStarted(1);
        assertThat(answer).as("the caller's thread did not run the query").isNotDone();
        CompletableFuture<Long> shared = latest.request();
        queries.value.set(4);
        queries.release(0);
        assertThat(answer).succeedsWithin(WAIT).isEqualTo(3L);
        queries.awaitStarted(2);
        queries.release(1);
        assertThat(shared).succeedsWithin(WAIT).isEqualTo(4L);
    }

    @Test
    void aFailedQueryFailsItsCallersAndTheNextCallerQueriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        LatestGeneration latest = new LatestGeneration(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("database gone");
            }
            return 7;
        });
        assertThatThrownBy(latest::get).hasMessage("database gone");
        assertThat(latest.get()).isEqualTo(7L);
    }

    @Test
    void aFailedQueryFailsEveryCallerThatSharedIt() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        LatestGeneration latest = new LatestGeneration(
                () -> {
                    int call = calls.incrementAndGet();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    if (call == 2) {
                        throw new IllegalStateException("database gone");
                    }
                    return call;
                },
                1);
        CompletableFuture<Long> first = caller(latest);
        await().atMost(WAIT).until(() -> calls.get() == 1);
        List<CompletableFuture<Long>> later = blockedCallers(latest, 2);
        release.countDown();
        assertThat(first).succeedsWithin(WAIT).isEqualTo(1L);
        for (CompletableFuture<Long> result : later) {
            assertThat(result)
                    .failsWithin(WAIT)
                    .withThrowableThat()
                    .havingRootCause()
                    .withMessage("database gone");
        }
    }
}
