package io.georeg.router.fence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * (scripts/bench-fences). Rounds of their own remove that; a second query in flight overlaps
 * one round trip with the next, and more than two only took readers out of shared rounds there.
 */
final class LatestGeneration {
    /** Queries at once: two overlap the round trips; more share less and take connections other work needs. */
    static final int DEFAULT_MAX_IN_FLIGHT = 2;

    private final LongSupplier query;
    private final int maxInFlight;
    private final ReentrantLock lock = new ReentrantLock();
    /** Queries started and not yet handed their slot on; guarded by the lock. */
    private int inFlight;
    /** The round that starts when a running query ends, with the callers that came meanwhile, or null; guarded by the lock. */
    private Round waiting;

    LatestGeneration(LongSupplier query) {
        this(query, DEFAULT_MAX_IN_FLIGHT);
    }

    LatestGeneration(LongSupplier query, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.query = query;
        this.maxInFlight = maxInFlight;
    }

    /** The generation read by a query that started after this call began. */
    long get() {
        Round mine;
        boolean runs;
        lock.lock();
        try {
            if (inFlight < maxInFlight) {
                inFlight++;
                mine = new Round();
                mine.admitted.complete(null);
                runs = true;
            } else if (waiting == null) {
                mine = waiting = new Round();
                runs = true;
            } else {
                mine = waiting;
                runs = false;
            }
        } finally {
            lock.unlock();
        }
        if (runs) {
            mine.admitted.join();
            run(mine);
        }
        return mine.generation();
    }

    /** Runs the round's query in a slot it was admitted to, then hands the slot to the waiting round. */
    private void run(Round round) {
        try {
            round.answer.complete(query.getAsLong());
        } catch (RuntimeException e) {
            round.answer.completeExceptionally(e);
        } finally {
            // Ended without a value (an Error): newer than any, so the view looks behind.
            round.answer.complete(Long.MAX_VALUE);
            Round next;
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
                next.admitted.complete(null);
            }
        }
    }

    /** One query and the callers that share its answer. */
    private static final class Round {
        /** Completed when the round may start its query (a slot is free for it). */
        final CompletableFuture<Void> admitted = new CompletableFuture<>();

        final CompletableFuture<Long> answer = new CompletableFuture<>();

        long generation() {
            try {
                return answer.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException failure) {
                    throw failure;
                }
                throw e;
            }
        }
    }
}
