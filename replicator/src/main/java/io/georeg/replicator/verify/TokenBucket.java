package io.georeg.replicator.verify;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens accrue continuously up to {@code capacity}, and a
 * caller takes what it uses. The verifier keeps one for bytes and one for objects; instead of
 * sleeping when the bucket is empty it asks {@link #nanosUntil} and schedules its next step then.
 *
 * <p>It keeps its own accounting ({@link #consumed()}, {@link #elapsedNanos()}) so that tests can
 * check the limit ({@code consumed <= capacity + rate * elapsed}) without measuring wall-clock
 * time. The bucket starts full. Thread-safe; the verifier uses it from one thread.
 */
public final class TokenBucket {
    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    private final long ratePerSecond;
    private final long capacity;
    private final LongSupplier nanoClock;
    private final long startedAt;
    private double tokens;
    private long refilledAt;
    private long consumed;

    public TokenBucket(long ratePerSecond, long capacity, LongSupplier nanoClock) {
        if (ratePerSecond < 1 || capacity < 1) {
            throw new IllegalArgumentException(
                    "rate and capacity must be positive (got " + ratePerSecond + ", " + capacity + ")");
        }
        this.ratePerSecond = ratePerSecond;
        this.capacity = capacity;
        this.nanoClock = nanoClock;
        this.startedAt = nanoClock.getAsLong();
        this.refilledAt = startedAt;
        this.tokens = capacity;
    }

    /** A bucket on {@link System#nanoTime()} holding one second's worth of tokens. */
    public static TokenBucket perSecond(long ratePerSecond) {
        return new TokenBucket(ratePerSecond, ratePerSecond, System::nanoTime);
    }

    /** Whole tokens available now. */
    public synchronized long available() {
        refill();
        return (long) tokens;
    }

    /** Takes {@code n} tokens; more than {@link #available()} is a programming error. */
    public synchronized void consume(long n) {
        refill();
        if (n < 0 || n > (long) tokens) {
            throw new IllegalStateException("cannot take " + n + " tokens, " + (long) tokens + " available");
        }
        tokens -= n;
        consumed += n;
    }

    /** Nanoseconds until {@code n} tokens (at most the capacity) are available; 0 when they are now. */
    public synchronized long nanosUntil(long n) {
        refill();
        double missing = Math.min(n, capacity) - tokens;
        if (missing <= 0) {
            return 0;
        }
        return (long) Math.ceil(missing * NANOS_PER_SECOND / ratePerSecond);
    }

    public long ratePerSecond() {
        return ratePerSecond;
    }

    public long capacity() {
        return capacity;
    }

    /** Tokens taken since the bucket was made. */
    public synchronized long consumed() {
        return consumed;
    }

    /** Time since the bucket was made, on its own clock. */
    public long elapsedNanos() {
        return nanoClock.getAsLong() - startedAt;
    }

    /** The most tokens the limit allows to have been taken by now: the initial burst plus what accrued. */
    public double allowance() {
        return capacity + ratePerSecond * (elapsedNanos() / NANOS_PER_SECOND);
    }

    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos());
    }

    /**
     * Adds what accrued since the last refill. The elapsed time is converted to seconds before it
     * is multiplied by the rate: nanoseconds times bytes per second overflows a {@code long} after
     * a few minutes (about 176 s at 50 MiB/s), and a bucket left alone between passes is idle far
     * longer than that.
     */
    private void refill() {
        long now = nanoClock.getAsLong();
        if (now > refilledAt) {
            double accrued = (now - refilledAt) / NANOS_PER_SECOND * ratePerSecond;
            tokens = Math.min(capacity, tokens + accrued);
            refilledAt = now;
        }
    }
}
