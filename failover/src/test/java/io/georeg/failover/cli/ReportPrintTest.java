package io.georeg.failover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.failover.admin.FakeRouterAdmin;
import io.georeg.failover.admin.RouterAdminClient;
import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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
        int exit = ReportOutput.print(failedDrill(), Path.of("drill-report.md"), new PrintWriter(out), true);

        assertThat(exit).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.path("kind").asText()).isEqualTo("drill");
        assertThat(json.path("passed").asBoolean()).isFalse();
        assertThat(json.path("checks")).hasSize(2);
    }

    @Test
    void textNamesEachCheckAndTheReport() {
        StringWriter out = new StringWriter();
        int exit = ReportOutput.print(failedDrill(), Path.of("drill-report.md"), new PrintWriter(out), false);

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString())
                .containsPattern("precheck-pending\\s+FAIL")
                .contains("drill FAILED; report: drill-report.md");
    }

    private static final String NOT_STORED =
            "applied on this router only: the admin state store did not answer; stored when it answers again";

    /**
     * A drill whose switch step met a router that could not store the switch, reported as Drill's
     * and Promotion's switch steps do (the warning from the router's answer), progress on {@code err}.
     */
    private static Report switchedWithoutStoring(StringWriter err, boolean json, boolean alsoFail) {
        Report report = new Report("drill", StepProgress.of(new PrintWriter(err), "drill", json));
        try (FakeRouterAdmin router =
                        FakeRouterAdmin.answering(FakeRouterAdmin.modeAnswer("primary-down", NOT_STORED));
                HttpClient http = HttpClient.newHttpClient()) {
            report.step("switch", "switch 1 router(s) to primary-down", () -> {
                new RouterAdminClient(http, router.url(), "token")
                        .setMode("primary-down", "drill")
                        .notStoredWarning()
                        .ifPresent(report::warning);
                report.check(Check.pass("switch", "1 router(s) in primary-down mode"));
            });
        }
        if (alsoFail) {
            report.check(Check.fail("serve-sample", "1 of 1 image(s) not served"));
        }
        report.finish();
        return report;
    }

    @Test
    void aSwitchNotStoredIsWarnedInTheStepOutputAndTheSummaryAndExitsThree() {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        Report report = switchedWithoutStoring(err, false, false);

        int exit = ReportOutput.print(report, Path.of("drill-report.md"), new PrintWriter(out), false);

        assertThat(exit).isEqualTo(ReportOutput.NOT_STORED).isEqualTo(3);
        assertThat(err.toString())
                .containsPattern("drill \\S+  pass   switch +\\d+ ms")
                .containsPattern("drill \\S+  WARN   switch +http://127\\.0\\.0\\.1:\\d+/ switched but NOT stored"
                        + " in the shared admin state: " + NOT_STORED);
        assertThat(out.toString())
                .contains("WARNING: http://127.0.0.1:")
                .contains(NOT_STORED)
                .contains("drill PASSED, 1 router switch(es) NOT STORED (exit 3); report: drill-report.md");
    }

    @Test
    void withJsonTheUnstoredSwitchIsInTheStepEventAndTheReportWithExitThree() throws Exception {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        int exit = ReportOutput.print(
                switchedWithoutStoring(err, true, false), Path.of("drill-report.md"), new PrintWriter(out), true);

        assertThat(exit).isEqualTo(3);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode ended = mapper.readTree(err.toString().lines().toList().get(1));
        assertThat(ended.path("event").asText()).isEqualTo("step-ended");
        assertThat(ended.path("warnings").get(0).asText()).endsWith(NOT_STORED);
        JsonNode json = mapper.readTree(out.toString());
        assertThat(json.path("passed").asBoolean()).isTrue();
        assertThat(json.path("warnings").get(0).asText()).contains("switched but NOT stored");
    }

    @Test
    void aFailedCheckStillExitsOneWhenASwitchWasNotStored() {
        StringWriter out = new StringWriter();
        int exit = ReportOutput.print(
                switchedWithoutStoring(new StringWriter(), false, true),
                Path.of("drill-report.md"),
                new PrintWriter(out),
                false);

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).contains("WARNING: ").contains("drill FAILED; report: drill-report.md");
    }

    @Test
    void eachCommandsJsonOptionNamesItsOwnReportFile() {
        assertThat(usage(new DrillCommand(null, null, null))).contains("(the object drill-report.json holds)");
        assertThat(usage(new PromoteCommand(null, null, null))).contains("(the object promote-report.json holds)");
    }

    /** The command's help with its lines joined, since picocli wraps descriptions anywhere. */
    private static String usage(Object command) {
        return new CommandLine(command).getUsageMessage().replaceAll("\\s+", " ");
    }
}
