package io.georeg.replicator.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the workers of one replicator process run, under the {@code replicator.workers.*} keys.
 *
 * @param concurrency items worked on at once by this process
 * @param lease how long a claimed item stays ours without renewal (renewed every third of it while
 *     the copy runs; a crashed process's items become claimable after it)
 * @param pollInterval the longest a due item waits when no wake-up arrives (LISTEN lost)
 * @param maxAttempts attempts before a transiently failing item is failed for good
 * @param backoffInitial first retry delay (doubles per attempt, with jitter)
 * @param backoffMax retry delay cap
 * @param shutdownGrace how long {@code close()} lets running copies finish before interrupting them
 */
public record WorkerConfig(
        int concurrency,
        Duration lease,
        Duration pollInterval,
        int maxAttempts,
        Duration backoffInitial,
        Duration backoffMax,
        Duration shutdownGrace) {

    public static WorkerConfig defaults() {
        return new WorkerConfig(
                8,
                Duration.ofSeconds(60),
                Duration.ofSeconds(1),
                8,
                Duration.ofSeconds(1),
                Duration.ofMinutes(10),
                Duration.ofSeconds(10));
    }

    public WorkerConfig withConcurrency(int n) {
        return new WorkerConfig(n, lease, pollInterval, maxAttempts, backoffInitial, backoffMax, shutdownGrace);
    }

    public WorkerConfig withRetries(int attempts, Duration initial, Duration max) {
        return new WorkerConfig(concurrency, lease, pollInterval, attempts, initial, max, shutdownGrace);
    }

    public WorkerConfig withLease(Duration newLease) {
        return new WorkerConfig(
                concurrency, newLease, pollInterval, maxAttempts, backoffInitial, backoffMax, shutdownGrace);
    }

    public WorkerConfig validate() {
        List<String> problems = new ArrayList<>();
        if (concurrency < 1 || concurrency > 1024) {
            problems.add("replicator.workers.concurrency must be between 1 and 1024 (got " + concurrency + ")");
        }
        if (lease == null || lease.toMillis() < 1000) {
            problems.add("replicator.workers.lease must be at least 1s, e.g. 60s (got " + lease + ")");
        }
        if (pollInterval == null || pollInterval.toMillis() < 10) {
            problems.add("replicator.workers.pollInterval must be at least 10ms, e.g. 1s (got " + pollInterval + ")");
        }
        if (maxAttempts < 1) {
            problems.add("replicator.workers.maxAttempts must be at least 1 (got " + maxAttempts + ")");
        }
        if (backoffInitial == null
                || backoffInitial.toMillis() < 1
                || backoffMax == null
                || backoffMax.compareTo(backoffInitial) < 0) {
            problems.add(
                    "replicator.workers.backoffInitial must be positive and at most replicator.workers.backoffMax (got "
                            + backoffInitial + " and " + backoffMax + ")");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            problems.add("replicator.workers.shutdownGrace must not be negative (got " + shutdownGrace + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid replicator worker configuration: " + String.join("; ", problems));
        }
        return this;
    }
}
