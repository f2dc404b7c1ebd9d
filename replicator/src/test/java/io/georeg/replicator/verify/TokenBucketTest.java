package io.georeg.replicator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
