package io.georeg.failover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What drill and promote print: text for people, or with {@code --json} the report object alone. */
class ReportPrintTest {
    private static Report failedDrill() {
        Report report = new Report("drill");
        report.check(Check.pass("switch", "1 router(s)"));
        report.check(Check.fail("precheck-pending", "3 change(s)"));
        report.finish();
        return report;
    }

    @Test
    void jsonIsTheReportObjectAloneOnStdoutWithTheSameExitCode() throws Exception {
        StringWriter out = new StringWriter();
        int exit = DrillCommand.print(failedDrill(), Path.of("drill-report.md"), new PrintWriter(out), true);

        assertThat(exit).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.path("kind").asText()).isEqualTo("drill");
        assertThat(json.path("passed").asBoolean()).isFalse();
        assertThat(json.path("checks")).hasSize(2);
    }

    @Test
    void textNamesEachCheckAndTheReport() {
        StringWriter out = new StringWriter();
        int exit = DrillCommand.print(failedDrill(), Path.of("drill-report.md"), new PrintWriter(out), false);

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString())
                .containsPattern("precheck-pending\\s+FAIL")
                .contains("drill FAILED; report: drill-report.md");
    }
}
