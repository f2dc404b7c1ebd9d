package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.db.Transactions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The store's bound as the constructor takes it; what the bound does against a database is
 * DatabaseAdminStateStoreIT's.
 */
class DatabaseAdminStateStoreTest {
    /** Never asked for a connection: the constructor only turns the timeout into settings. */
    private static final Transactions UNUSED = new Transactions(null, 1);

    @Test
    void aTimeoutUnderAMillisecondIsRefusedForItWouldTurnTheStatementTimeoutOff() {
        for (Duration unbounding : new Duration[] {Duration.ZERO, Duration.ofNanos(999_999), Duration.ofSeconds(-1)}) {
            assertThatThrownBy(() -> new DatabaseAdminStateStore(UNUSED, unbounding))
                    .as(unbounding.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("router.admin.storeTimeout: at least 1 ms");
        }
    }

    @Test
    void aMillisecondAndAnythingLongerIsTaken() {
        assertThatCode(() -> new DatabaseAdminStateStore(UNUSED, Duration.ofMillis(1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> new DatabaseAdminStateStore(UNUSED, Duration.ofDays(365)))
                .as("beyond an int of milliseconds: the settings take the largest")
                .doesNotThrowAnyException();
    }
}
