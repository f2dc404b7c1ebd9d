package io.georeg.failover.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.failover.report.Step;
import io.georeg.failover.report.StepListener;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What {@code georeg drill} and {@code georeg promote} print on stderr while they run: a line as
 * each step starts and one as it ends, with its result and how long it took, so an operator
 * rehearsing a failover sees where it is and where it waits. The same plain lines on a terminal
 * and in a pipeline's log; with {@code --json} one JSON object per line instead (stdout then holds
 * the report's JSON alone).
 */
final class StepProgress implements StepListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final PrintWriter err;
    private final String command;
    private final boolean json;

    private StepProgress(PrintWriter err, String command, boolean json) {
        this.err = err;
        this.command = command;
        this.json = json;
    }

    static StepProgress of(PrintWriter err, String command, boolean json) {
        return new StepProgress(err, command, json);
    }

    @Override
    public void started(String name, String description, Instant at) {
        if (json) {
            print(event("step-started", name, at).put("description", description));
        } else {
            err.printf("%s %s  start  %-16s %s%n", command, CLOCK.format(at), name, description);
        }
        err.flush();
    }

    @Override
    public void ended(Step step) {
        Instant at = step.startedAt().plusMillis(step.millis());
        if (json) {
            ObjectNode ended = event("step-ended", step.name(), at)
                    .put("passed", step.passed())
                    .put("millis", step.millis());
            step.warnings().forEach(ended.putArray("warnings")::add);
            print(ended);
        } else {
            err.printf(
                    "%s %s  %-5s  %-16s %d ms%n",
                    command, CLOCK.format(at), step.passed() ? "pass" : "FAIL", step.name(), step.millis());
            // One line per router whose switch was not stored, so it is not read as a plain pass.
            step.warnings()
                    .forEach(w -> err.printf("%s %s  WARN   %-16s %s%n", command, CLOCK.format(at), step.name(), w));
        }
        err.flush();
    }

    private ObjectNode event(String event, String step, Instant at) {
        return JSON.createObjectNode()
                .put("event", event)
                .put("command", command)
                .put("step", step)
                .put("at", at.toString());
    }

    private void print(ObjectNode line) {
        err.println(line.toString());
    }
}
