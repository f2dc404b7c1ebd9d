package io.georeg.app.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.config.LogFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * logFormat json turns the default logback configuration's stderr lines into one JSON object per
 * event, MDC included; text leaves the configured pattern. Runs against the application's own
 * logback.xml (the app module has no test logging configuration).
 */
class ConsoleLogTest {
    private final PrintStream realErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void captureStderr() {
        // logback's console appender writes to whatever System.err is at the time of each event.
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() throws Exception {
        System.setErr(realErr);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    @Test
    void jsonWritesOneObjectPerEventWithTheMdc() throws Exception {
        ConsoleLog.use(LogFormat.JSON);
        Logger log = LoggerFactory.getLogger("io.georeg.router.access");
        try (var ignored = MDC.putCloseable("requestId", "req-7")) {
            MDC.put("route", "blob-read");
            log.info("id=req-7 route=blob-read");
        } finally {
            MDC.remove("route");
        }
        log.warn("second event", new IllegalStateException("boom"));

        List<String> lines = captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> !l.isBlank())
                .toList();
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("loggerName").asText()).isEqualTo("io.georeg.router.access");
        assertThat(first.path("formattedMessage").asText()).isEqualTo("id=req-7 route=blob-read");
        assertThat(first.path("mdc").path("requestId").asText()).isEqualTo("req-7");
        assertThat(first.path("mdc").path("route").asText()).isEqualTo("blob-read");
        assertThat(first.has("context"))
                .as("no repeated logger-context properties")
                .isFalse();
        JsonNode second = json.readTree(lines.get(1));
        assertThat(second.path("throwable").toString()).contains("boom");
    }

    @Test
    void textKeepsThePatternLine() {
        ConsoleLog.use(LogFormat.TEXT);
        LoggerFactory.getLogger("io.georeg.test").info("plain line");

        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("INFO  [").contains("io.georeg.test - plain line");
        assertThat(out.trim()).doesNotStartWith("{");
    }

    @Test
    void jsonTwiceKeepsOneAppender() {
        ConsoleLog.use(LogFormat.JSON);
        ConsoleLog.use(LogFormat.JSON);
        LoggerFactory.getLogger("io.georeg.test").info("once");

        assertThat(captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("once")))
                .hasSize(1);
    }
}
