package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.DatabaseConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When {@link FenceLease}'s keeper renews, on a clock whose origin is anywhere: {@link
 * System#nanoTime()} promises only differences, so 0 and negative readings are legal and must not
 * read as "never renewed" or "renewed a moment ago". No database: the view is never started (not
 * live), so the keeper only times its looks and never connects.
 */
class FenceLeaseTest {
    private static final Duration LEASE = Duration.ofHours(1);
    private static final long QUARTER = LEASE.toNanos() / 4;

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -4_000_000_000_000_000_000L, 1, 4_000_000_000_000_000_000L})
    void theFirstRenewalIsDueAtOnceAndTheNextAQuarterLeaseLaterWhereverTheClockStarts(long origin) {
        AtomicLong clock = new AtomicLong(origin);
        try (FenceView view = notStartedView();
                FenceLease lease = new FenceLease(view, unusedDatabase(), LEASE, clock::get)) {
            assertThat(lease.nanosUntilDue()).as("before the first").isZero();
            lease.start();
            // The keeper looked (found the view not live) at once, not a quarter lease (15 minutes) later.
            await().atMost(Duration.ofSeconds(10)).until(() -> lease.nanosUntilDue() == QUARTER);
            clock.addAndGet(QUARTER - 1);
            assertThat(lease.nanosUntilDue()).isEqualTo(1);
            clock.incrementAndGet();
            assertThat(lease.nanosUntilDue()).isZero();
        }
    }

    private static FenceView notStartedView() {
        return new FenceView(null, unusedDatabase(), Duration.ofSeconds(1));
    }

    private static DatabaseConfig unusedDatabase() {
        return DatabaseConfig.of("jdbc:postgresql://127.0.0.1:1/never-connected", "nobody", "none");
    }
}
