package io.georeg.replicator.queue;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Retry delay after a transient failure: exponential in the attempt number, capped, with "equal
 * jitter" (half fixed, half random) so that items that failed together (the primary went away)
 * do not all come back in the same instant. The delay is written to {@code next_attempt_at};
 * no worker ever sleeps it.
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /** Delay before attempt {@code attempts + 1}, after {@code attempts} failed ones (1-based). */
    public Duration delay(int attempts, RandomGenerator random) {
        long cap = max.toMillis();
        long exp = initial.toMillis() << Math.min(Math.max(attempts - 1, 0), 30);
        long base = Math.min(cap, exp < 0 ? cap : exp);
        long half = base / 2;
        return Duration.ofMillis(half + (half > 0 ? random.nextLong(half + 1) : 0));
    }
}
