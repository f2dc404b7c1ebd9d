package io.georeg.failover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.failover.report.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress drill and promote print on stderr: plain lines, or JSON lines with --json. */
class StepProgressTest {
    private static final Instant START = Instant.parse("2026-12-05T12:00:01Z");

    private static String run(boolean json) {
        StringWriter err = new StringWriter();
        StepProgress progress = StepProgress.of(new PrintWriter(err), "drill", json);
        progress.started("switch", "switch 2 router(s) to primary-down", START);
        progress.ended(new Step("switch", "switch 2 router(s) to primary-down", START, 1234, true));
        progress.started("serve-sample", "pull 5 image(s) through the routers", START.plusSeconds(2));
        progress.ended(
                new Step("serve-sample", "pull 5 image(s) through the routers", START.plusSeconds(2), 80, false));
        return err.toString();
    }

    @Test
    void eachStepIsALineAsItStartsAndOneWithItsResultAndTimeAsItEnds() {
        assertThat(run(false).lines())
                .containsExactly(
                        "drill 12:00:01Z  start  switch           switch 2 router(s) to primary-down",
                        "drill 12:00:02Z  pass   switch           1234 ms",
                        "drill 12:00:03Z  start  serve-sample     pull 5 image(s) through the routers",
                        "drill 12:00:03Z  FAIL   serve-sample     80 ms");
    }

    @Test
    void withJsonEachLineIsAnEventObject() throws Exception {
        List<String> lines = run(true).lines().toList();
        ObjectMapper mapper = new ObjectMapper();

        assertThat(lines).hasSize(4);
        JsonNode started = mapper.readTree(lines.get(0));
        assertThat(started.path("event").asText()).isEqualTo("step-started");
        assertThat(started.path("command").asText()).isEqualTo("drill");
        assertThat(started.path("step").asText()).isEqualTo("switch");
        assertThat(started.path("description").asText()).isEqualTo("switch 2 router(s) to primary-down");
        assertThat(started.path("at").asText()).isEqualTo("2026-12-05T12:00:01Z");
        JsonNode failed = mapper.readTree(lines.get(3));
        assertThat(failed.path("event").asText()).isEqualTo("step-ended");
        assertThat(failed.path("passed").asBoolean()).isFalse();
        assertThat(failed.path("millis").asLong()).isEqualTo(80);
    }
}
