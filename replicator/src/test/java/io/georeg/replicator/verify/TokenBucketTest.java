package io.georeg.replicator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final TokenBucket bucket = new TokenBucket(1000, 500, now::get);

    @Test
    void startsFullAndRefillsAtTheRateUpToTheCapacity() {
        assertThat(bucket.available()).isEqualTo(500);
        bucket.consume(500);
        assertThat(bucket.available()).isZero();
        now.addAndGet(100_000_000); // 100 ms: 100 tokens
        assertThat(bucket.available()).isEqualTo(100);
        now.addAndGet(10_000_000_000L);
        assertThat(bucket.available()).isEqualTo(500);
    }

    @Test
    void saysHowLongUntilTokensAreThereInsteadOfSleeping() {
        bucket.consume(500);
        assertThat(bucket.nanosUntil(250)).isEqualTo(250_000_000);
        assertThat(bucket.nanosUntil(10_000)).as("capped at the capacity").isEqualTo(500_000_000);
        now.addAndGet(250_000_000);
        assertThat(bucket.nanosUntil(250)).isZero();
    }

    @Test
    void takingMoreThanIsAvailableIsRefused() {
        assertThatThrownBy(() -> bucket.consume(501)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void accountingNeverExceedsBurstPlusAccrual() {
        long taken = 0;
        for (int i = 0; i < 100; i++) {
            long n = bucket.available();
            bucket.consume(n);
            taken += n;
            assertThat((double) bucket.consumed()).isLessThanOrEqualTo(bucket.allowance());
            now.addAndGet(7_000_000);
        }
        assertThat(bucket.consumed()).isEqualTo(taken).isEqualTo(500 + 99 * 7);
    }

    /**
     * The verifier's bucket sits idle between passes (10 minutes by default) and the next pass
     * takes from it: at 50 MiB/s an idle time of about 176 s once overflowed the refill
     * arithmetic, and every later pass failed with "cannot take 0 tokens, -5378217352 available".
     */
    @Test
    void keepsItsLimitAcrossHoursOfSimulatedTimeWithLongIdleGaps() {
        long rate = 50L * 1024 * 1024;
        TokenBucket verifier = new TokenBucket(rate, rate, now::get);
        long[] idleSeconds = {0, 1, 175, 177, 600, 3_600, 6 * 3_600, 7 * 24 * 3_600};
        long slice = 64 * 1024;
        for (long idle : idleSeconds) {
            now.addAndGet(idle * 1_000_000_000L);
            assertThat(verifier.available()).as("after %d s idle", idle).isBetween(0L, rate);
            // A pass: drains the bucket slice by slice for a simulated minute, waiting as told.
            long passEnd = now.get() + 60_000_000_000L;
            while (now.get() < passEnd) {
                long wait = verifier.nanosUntil(slice);
                now.addAndGet(wait);
                long n = Math.min(slice, verifier.available());
                assertThat(n).isPositive();
                verifier.consume(n);
            }
            assertThat((double) verifier.consumed()).isLessThanOrEqualTo(verifier.allowance());
        }
        assertThat(verifier.elapsed()).isGreaterThan(Duration.ofDays(7));
        assertThat(verifier.available()).isBetween(0L, rate);
    }
}
