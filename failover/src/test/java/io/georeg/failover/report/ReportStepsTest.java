package io.georeg.failover.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportStepsTest {
    /** Records what a listener hears, in order. */
    private static final class Heard implements StepListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void started(String name, String description, Instant at) {
            events.add("start " + name + ": " + description);
        }

        @Override
        public void ended(Step step) {
            events.add("end " + step.name() + " " + (step.passed() ? "pass" : "FAIL"));
        }
    }

    @Test
    void eachStepIsToldAsItStartsAndEndsAndKeptInOrderWithItsResult() {
        Heard heard = new Heard();
        Report report = new Report("drill", heard);

        report.step("precheck", "pre-checks", () -> {
            report.check(Check.pass("precheck-lag", "ok"));
            report.check(Check.fail("precheck-pending", "too many"));
        });
        boolean switched = report.step("switch", "switch 1 router(s)", () -> {
            assertThat(heard.events).last().isEqualTo("start switch: switch 1 router(s)");
            report.check(Check.pass("switch", "1 router(s)"));
            return true;
        });
        report.step("rpo", "list what is not replicated", () -> {});

        assertThat(switched).isTrue();
        assertThat(heard.events)
                .containsExactly(
                        "start precheck: pre-checks",
                        "end precheck FAIL",
                        "start switch: switch 1 router(s)",
                        "end switch pass",
                        "start rpo: list what is not replicated",
                        "end rpo pass");
        assertThat(report.steps()).extracting(Step::name).containsExactly("precheck", "switch", "rpo");
        assertThat(report.steps()).allMatch(s -> s.millis() >= 0 && s.startedAt() != null);
    }

    @Test
    void aStepThatThrowsEndsFailedBeforeTheExceptionPropagates() {
        Heard heard = new Heard();
        Report report = new Report("promote", heard);

        assertThatThrownBy(() -> report.step("verify", "verify the replica", () -> {
                    throw new IllegalStateException("storage gone");
                }))
                .hasMessage("storage gone");

        assertThat(heard.events).containsExactly("start verify: verify the replica", "end verify FAIL");
        assertThat(report.steps()).singleElement().extracting(Step::passed).isEqualTo(false);
    }
}
