package io.georeg.replicator.intake;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.georeg.testkit.time.MovableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A refused notification holds back every later one (the sender re-sends it, in order), so the
 * intake says so in its log: at once, then once a minute per kind of refusal, with the count.
 */
class RefusalLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(IntakeHandler.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final RefusalLog log = new RefusalLog(clock);

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    @Test
    void theFirstRefusalIsLoggedAtOnceAndRepeatsOnceAMinuteWithTheirCount() {
        log.refused(
                IntakeOutcome.UNAUTHORIZED, 401, "missing or wrong shared secret in header Authorization", "127.0.0.1");
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            log.refused(
                    IntakeOutcome.UNAUTHORIZED,
                    401,
                    "missing or wrong shared secret in header Authorization",
                    "127.0.0.1");
        }
        log.refused(IntakeOutcome.TOO_LARGE, 413, "body is larger than 1024 bytes", "127.0.0.1");
        clock.advance(RefusalLog.EVERY);
        log.refused(
                IntakeOutcome.UNAUTHORIZED, 401, "missing or wrong shared secret in header Authorization", "127.0.0.1");

        List<String> messages =
                lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines.list).allMatch(e -> e.getLevel() == Level.WARN);
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0))
                .contains("refused a notification from 127.0.0.1 with 401")
                .contains("wrong shared secret")
                .contains("replication waits")
                .doesNotContain("more refused");
        assertThat(messages.get(1)).contains("with 413");
        assertThat(messages.get(2)).contains("with 401").contains("5 more refused since the last such line");
    }
}
