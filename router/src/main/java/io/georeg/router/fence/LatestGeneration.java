package io.georeg.router.fence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The fence generation (migration V11) as the database holds it at some instant after the caller
 * asked: what {@link ReadYourWrites} compares its {@link FenceView} with before it trusts it for a
 * read. Up to {@code maxInFlight} queries run at once; a caller that finds them all running joins
 * the one query that waits for the next free slot, shared by every caller that came meanwhile.
 * A failed query fails every caller that waited for it.
 *
 * <p>Why a caller never takes an answer read before it asked (read-your-writes needs the fences
 * committed before the caller's read began, e.g. those of a write whose answer the client saw
 * before it read): a caller either starts a query of its own at once (a free slot; no one else
 * can join a query already started), or joins {@link #waiting}, whose query has not started. The
 * waiting round leaves {@link #waiting} under the lock before its query is started, so every caller
 * that joined it came before the query started, and a caller that comes after that finds a new
 * waiting round or a free slot. The query's snapshot is taken when PostgreSQL starts the statement
 * (READ COMMITTED), later still. Queries that overlap may end in any order and read different
 * generations; each caller takes only its own round's answer, never another running query's
 * (which may have read the row before the caller came). A caller waits for at most one running
 * query to end (its round's admission) and then its own.
 *
 * <p>Each round wakes only its own callers. Before, one query ran at a time and its end woke every
 * waiter on one condition, each taking the lock again to find whether its round was done: with 64
 * readers on a loaded 2-core machine that served 2.7 times fewer reads than a query per read
 * (scripts/bench-fences). With rounds of their own, one query in flight is enough: a second
 * overlapped round trips while queries borrowed pooled connections on virtual threads, but on a
 * connection and thread of the query's own ({@link GenerationQuery}, platform threads) one in
 * flight served as many readers or more, with fewer queries, in an interleaved comparison on the
 * loaded machine; fewer queries is what the router's CPU per read and PostgreSQL's share of it
 * are made of.
 *
 * <p>Queries run on threads of their own ({@code queries}), never the caller's: a caller may wait
 * ({@link #get}) or be called back when its round's answer is in ({@link #request}), so that a
 * read the fence view then clears needs no thread while it waits. The answer is handed to a
 * round's callers after its slot went to the next round, so callers called back on the query's
 * thread never hold up the next query.
 */
final class LatestGeneration {
    /** Queries at once: one shares each round among the most readers; see the class comment. */
    static final int DEFAULT_MAX_IN_FLIGHT = 1;

    private static final Executor VIRTUAL_THREAD_PER_QUERY =
            query -> Thread.ofVirtual().name("fence-generation").start(query);

    private final LongSupplier query;
    private final int maxInFlight;
    private final Executor queries;
    private final ReentrantLock lock = new ReentrantLock();
    /** Queries started and not yet handed their slot on; guarded by the lock. */
    private int inFlight;
    /** The round that starts when a running query ends, with the callers that came meanwhile, or null; guarded by the lock. */
    private CompletableFuture<Long> waiting;

    LatestGeneration(LongSupplier query) {
        this(query, DEFAULT_MAX_IN_FLIGHT);
    }

    LatestGeneration(LongSupplier query, int maxInFlight) {
        this(query, maxInFlight, VIRTUAL_THREAD_PER_QUERY);
    }

    LatestGeneration(LongSupplier query, int maxInFlight, Executor queries) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.query = query;
        this.maxInFlight = maxInFlight;
        this.queries = queries;
    }

    /** The generation read by a query that started after this call began; blocking. */
    long get() {
        try {
            return request().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    /**
     * The generation read by a query that starts after this call, as a future completed on the
     * query's thread (failed when the query failed).
     */
    CompletableFuture<Long> request() {
        CompletableFuture<Long> round;
        lock.lock();
        try {
            if (inFlight < maxInFlight) {
                inFlight++;
                round = new CompletableFuture<>();
            } else {
                if (waiting == null) {
                    waiting = new CompletableFuture<>();
                }
                return waiting;
            }
        } finally {
            lock.unlock();
        }
        start(round);
        return round;
    }

    /** Runs the round's query in the slot it was admitted to, hands the slot on, then answers the round. */
    private void start(CompletableFuture<Long> round) {
        queries.execute(() -> {
            long generation =
                    Long.MAX_VALUE; // ended without a value (an Error): newer than any, so the view looks behind
            RuntimeException failure = null;
            try {
                generation = query.getAsLong();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                CompletableFuture<Long> next;
                lock.lock();
                try {
                    next = waiting;
                    waiting = null;
                    if (next == null) {
                        inFlight--;
                    }
                } finally {
                    lock.unlock();
                }
                if (next != null) {
                    start(next);
                }
                if (failure != null) {
                    round.completeExceptionally(failure);
                } else {
                    round.complete(generation);
                }
            }
        });
    }
}
