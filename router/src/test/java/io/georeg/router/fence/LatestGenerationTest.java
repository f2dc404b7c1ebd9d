package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Reads of the fence generation: never a query that began before the caller, shared by concurrent callers. */
class LatestGenerationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A query that reads {@code value} when it starts, then blocks until released. */
    private static final class BlockingQuery {
        final AtomicInteger started = new AtomicInteger();
        final Semaphore release = new Semaphore(0);
        final AtomicLong value = new AtomicLong();

        long run() {
            long read = value.get();
            started.incrementAndGet();
            release.acquireUninterruptibly();
            return read;
        }
    }

    @Test
    void aCallerWhoseQueryIsRunningAlreadyWaitsForTheNextOneWhichLaterCallersShare() throws Exception {
        BlockingQuery query = new BlockingQuery();
        LatestGeneration latest = new LatestGeneration(query::run);

        query.value.set(1);
        CompletableFuture<Long> first = CompletableFuture.supplyAsync(latest::get);
        await().atMost(WAIT).until(() -> query.started.get() == 1);

        // The row changes after the first query read it: the callers that came meanwhile must see the change.
        AtomicLong[] seen = new AtomicLong[3];
        Thread[] later = new Thread[3];
        for (int i = 0; i < later.length; i++) {
            AtomicLong result = seen[i] = new AtomicLong(-1);
            later[i] = Thread.ofPlatform().start(() -> result.set(latest.get()));
        }
        for (Thread t : later) {
            await().atMost(WAIT).until(() -> t.getState() == Thread.State.WAITING);
        }
        query.value.set(2);
        query.release.release();
        assertThat(first.get()).isEqualTo(1);

        await().atMost(WAIT).until(() -> query.started.get() == 2);
        query.release.release();
        for (int i = 0; i < later.length; i++) {
            later[i].join();
            assertThat(seen[i].get()).isEqualTo(2);
        }
        assertThat(query.started.get()).as("the later callers shared one query").isEqualTo(2);
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
        assertThat(latest.get()).isEqualTo(7);
    }
}
