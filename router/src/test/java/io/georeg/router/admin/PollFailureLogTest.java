package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.georeg.db.DatabaseUnavailableException;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.testkit.logs.CapturedLog;
import io.georeg.testkit.time.MovableClock;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The log of a failing admin poll. Tried: a database down while a router polls every second,
 * which used to log a warning with a whole stack trace per poll.
 */
class PollFailureLogTest {
    private static final Logger LOGGER = (Logger) LoggerFactory.getLogger(SiteControl.class);

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T03:00:00Z"));
    private final PollFailureLog log = PollFailureLog.ofReads(clock);
    private final CapturedLog captured = CapturedLog.of(SiteControl.class.getName());
    private final Level levelBefore = LOGGER.getLevel();

    @AfterEach
    void release() {
        LOGGER.setLevel(levelBefore);
        captured.close();
    }

    @Test
    void theFirstFailureIsOneLineWithItsCauseAndItsStackTraceOnlyAtDebug() {
        LOGGER.setLevel(Level.DEBUG);

        log.failed(down("I/O error"), "mode normal");

        List<ILoggingEvent> events = captured.events();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(events.get(0).getFormattedMessage())
                .isEqualTo("admin poll cannot read the router admin state, keeping mode normal:"
                        + " database unavailable: I/O error (cause: Read timed out)");
        assertThat(events.get(0).getThrowableProxy()).isNull();
        assertThat(events.get(1).getLevel()).isEqualTo(Level.DEBUG);
        assertThat(events.get(1).getThrowableProxy()).isNotNull();
    }

    @Test
    void failuresAfterTheFirstAreSummedUpAtMostOncePerMinute() {
        for (int second = 0; second <= 150; second++) {
            log.failed(down(second == 150 ? "the last one" : "I/O error"), "mode normal");
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(captured.lines())
                .hasSize(3)
                .element(1)
                .isEqualTo(
                        "admin poll still cannot read the router admin state after 60 s, 61 attempts, keeping mode normal,"
                                + " last: database unavailable: I/O error (cause: Read timed out)");
        assertThat(captured.lines().get(2))
                .startsWith("admin poll still cannot read the router admin state after 120 s, 121 attempts");
        assertThat(captured.events())
                .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }

    @Test
    void aPollThatSucceedsAgainSaysSoOnceAndTheNextFailureIsAFirstOneAgain() {
        log.succeeded();
        assertThat(captured.lines()).as("nothing to say while polls succeed").isEmpty();

        log.failed(down("I/O error"), "mode normal");
        clock.advance(Duration.ofSeconds(5));
        log.failed(down("I/O error"), "mode normal");
        log.succeeded();
        log.succeeded();
        log.failed(down("refused"), "mode normal");

        assertThat(captured.lines())
                .containsExactly(
                        "admin poll cannot read the router admin state, keeping mode normal:"
                                + " database unavailable: I/O error (cause: Read timed out)",
                        "admin poll is again able to read the router admin state, after failing for 5 s, 2 attempts",
                        "admin poll cannot read the router admin state, keeping mode normal:"
                                + " database unavailable: refused (cause: Read timed out)");
    }

    @Test
    void aRouterPollingAStoreThatDoesNotAnswerLogsTheFirstFailureThenOneLinePerMinute() {
        SiteControl control = new SiteControl(
                URI.create("http://primary.invalid:5000"),
                new DownStore(),
                new CircuitBreaker("primary", 3),
                Duration.ofSeconds(1),
                url -> {},
                clock);

        for (int poll = 0; poll < 90; poll++) {
            control.refresh();
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(captured.lines())
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("primary http://primary.invalid:5000"));
        assertThat(captured.lines().get(1))
                .startsWith("admin poll still cannot read the router admin state after 60 s, 61 attempts");
    }

    /**
     * The store answers the poll's read but takes no write: the switch an operator made is kept
     * unstored, and every poll tries to store it. That used to log a warning with a stack trace per
     * poll.
     */
    @Test
    void aRouterThatCannotStoreItsUnstoredSwitchesLogsTheFirstFailureThenOneLinePerMinute() {
        ReadOnlyStore store = new ReadOnlyStore();
        SiteControl control = new SiteControl(
                URI.create("http://primary.invalid:5000"),
                store,
                new CircuitBreaker("primary", 3),
                Duration.ofSeconds(1),
                url -> {},
                clock);
        control.refresh();
        control.setMode(RouterMode.PRIMARY_DOWN, "incident");
        assertThat(control.notStored()).isPresent();

        try (CapturedLog stores = CapturedLog.of(UnstoredSwitches.class.getName())) {
            for (int poll = 0; poll < 90; poll++) {
                control.refresh();
                clock.advance(Duration.ofSeconds(1));
            }

            assertThat(stores.lines())
                    .hasSize(2)
                    .allSatisfy(line -> assertThat(line)
                            .contains("store the switches applied while the admin state store did not answer")
                            .contains("mode primary-down and primary http://primary.invalid:5000"));
            assertThat(stores.lines().get(1)).contains("after 60 s, 61 attempts");
            assertThat(stores.events())
                    .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());

            store.writable = true;
            control.refresh();

            assertThat(control.notStored()).isEmpty();
            assertThat(stores.lines())
                    .hasSize(4)
                    .element(3)
                    .isEqualTo("admin poll is again able to store the switches applied while the admin state"
                            + " store did not answer, after failing for 90 s, 90 attempts");
        }
    }

    private static DatabaseUnavailableException down(String what) {
        return new DatabaseUnavailableException(
                "database unavailable: " + what, new SocketTimeoutException("Read timed out"));
    }

    /** A store that answers reads and, until it is {@link #writable}, refuses every write. */
    private static final class ReadOnlyStore implements AdminStateStore {
        private final MemoryAdminStateStore delegate = new MemoryAdminStateStore();
        volatile boolean writable;

        @Override
        public AdminState read() {
            return delegate.read();
        }

        @Override
        public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
            refuseUnlessWritable();
            return delegate.setMode(mode, reason, expect);
        }

        @Override
        public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
            refuseUnlessWritable();
            return delegate.setPrimary(url, expect);
        }

        @Override
        public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
            refuseUnlessWritable();
            return delegate.storeIfUnchanged(wanted, basis);
        }

        private void refuseUnlessWritable() {
            if (!writable) {
                throw down("cannot execute UPDATE in a read-only transaction");
            }
        }
    }

    /** A store whose database never answers. */
    private static final class DownStore implements AdminStateStore {
        @Override
        public AdminState read() {
            throw down("I/O error");
        }

        @Override
        public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
            throw down("I/O error");
        }

        @Override
        public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
            throw down("I/O error");
        }

        @Override
        public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
            throw down("I/O error");
        }
    }
}
