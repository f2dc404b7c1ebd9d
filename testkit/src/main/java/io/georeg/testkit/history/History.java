package io.georeg.testkit.history;

import java.util.ArrayList;
import java.util.List;

/**
 * The operations of a run as they complete, from many client threads at once, on one monotonic
 * clock ({@link #now()}): a client reads the clock before it sends a request and again when the
 * answer is complete, and records the operation with both. Thread-safe.
 */
public final class History {
    private final long origin = System.nanoTime();
    private final List<Op> ops = new ArrayList<>(); // guarded by this

    /** Microseconds since the history began. */
    public long now() {
        return (System.nanoTime() - origin) / 1_000;
    }

    public synchronized void record(Op op) {
        ops.add(op);
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }
}
