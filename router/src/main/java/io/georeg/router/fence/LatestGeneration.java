package io.georeg.router.fence;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The fence generation (migration V11) as the database holds it at some instant after the caller
 * asked: what {@link ReadYourWrites} compares its {@link FenceView} with before it trusts it for a
 * read. Concurrent reads share queries: a caller joins the next query to start, never one already
 * running (it could have read the row before the caller's read began), so at most one query runs
 * and one waits whatever the read rate, and each caller waits for at most two. A failed query
 * fails every caller that waited for it.
 */
final class LatestGeneration {
    private final LongSupplier query;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    /** The query running, or null. */
    private Round running;
    /** The query that starts when {@link #running} finishes, with the callers that came meanwhile; or null. */
    private Round next;

    LatestGeneration(LongSupplier query) {
        this.query = query;
    }

    /** The generation read by a query that started after this call began. */
    long get() {
        lock.lock();
        try {
            Round mine;
            if (running == null) {
                mine = running = new Round();
            } else {
                if (next == null) {
                    next = new Round();
                }
                mine = next;
            }
            while (!mine.done) {
                if (running == null) {
                    running = next;
                    next = null;
                }
                if (running == mine && !mine.started) {
                    run(mine);
                } else {
                    finished.awaitUninterruptibly();
                }
            }
            if (mine.error != null) {
                throw mine.error;
            }
            return mine.generation;
        } finally {
            lock.unlock();
        }
    }

    /** Runs the query without the lock held; called and returns with it held. */
    private void run(Round round) {
        round.started = true;
        lock.unlock();
        try {
            round.generation = query.getAsLong();
        } catch (RuntimeException e) {
            round.error = e;
        } finally {
            lock.lock();
            round.done = true;
            running = null;
            finished.signalAll();
        }
    }

    /** One query and what it read; guarded by the lock. */
    private static final class Round {
        boolean started;
        boolean done;
        /** Newer than any: a round that ended without a value makes the view look behind. */
        long generation = Long.MAX_VALUE;

        RuntimeException error;
    }
}
