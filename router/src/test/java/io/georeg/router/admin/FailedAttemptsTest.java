package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FailedAttemptsTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final FailedAttempts attempts = new FailedAttempts(new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    });

    @Test
    void anAddressIsBlockedAfterFiveFailuresUntilTheOldestIsAWindowOld() {
        for (int i = 0; i < FailedAttempts.MAX_FAILURES; i++) {
            assertThat(attempts.blocked("10.0.0.1")).isEmpty();
            attempts.failed("10.0.0.1");
            now = now.plusSeconds(10);
        }
        assertThat(attempts.blocked("10.0.0.1")).contains(Duration.ofSeconds(10));
        assertThat(attempts.blocked("10.0.0.2"))
                .as("other addresses are not affected")
                .isEmpty();

        now = now.plusSeconds(10);
        assertThat(attempts.blocked("10.0.0.1"))
                .as("the oldest failure left the window")
                .isEmpty();
    }

    @Test
    void anAddressGuessingNowStaysBlockedWhileOthersSprayFewerAddressesThanTheBound() {
        for (int i = 0; i < FailedAttempts.MAX_FAILURES; i++) {
            attempts.failed("attacker");
        }
        for (int i = 0; i < FailedAttempts.MAX_ADDRESSES - 1; i++) {
            attempts.failed("addr-" + i);
        }
        assertThat(attempts.blocked("attacker")).isPresent();
    }

    @Test
    void memoryStaysBoundedUnderASprayOfAddresses() {
        for (int i = 0; i < FailedAttempts.MAX_ADDRESSES * 3; i++) {
            attempts.failed("addr-" + i);
        }
        for (int i = 0; i < FailedAttempts.MAX_FAILURES; i++) {
            attempts.failed("attacker");
        }
        assertThat(attempts.blocked("attacker")).isPresent();
    }
}
