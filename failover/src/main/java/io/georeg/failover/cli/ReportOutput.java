package io.georeg.failover.cli;

import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import io.georeg.failover.report.ReportWriter;
import io.georeg.failover.report.StepListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How the report of {@code georeg drill} and {@code georeg promote} comes out, the same for both:
 * the steps on stderr while they run ({@link StepProgress}), the report files in the command's
 * report directory ({@link ReportWriter}), then on stdout the checks and where the report is, or
 * with {@code --json} the report's JSON object alone (for pipelines), and the exit code. A picocli
 * mixin holding {@code --json}; each command keeps its own {@code --report}, since a drill must
 * name its directory and a promotion writes here by default.
 */
public final class ReportOutput {
    /**
     * Exit code of a drill or promotion whose checks all passed while a router applied a switch it
     * could not store in the shared admin state (its database stalled). Not 0: the run did what it
     * was asked on every router, but the other routers' restarts and any router started since do
     * not see it until the database answers again, and a scheduled drill must not look clean then.
     * Not 1: nothing failed, and a promotion that exits 3 has switched (a script must not run it
     * again or roll back on that). A failed check wins (1).
     */
    static final int NOT_STORED = 3;

    /**
     * Exit code of a promotion whose checks failed but which, with {@code --force}, switched every
     * router to the new primary and unfroze it (an unplanned failover). Not 1, which says nothing
     * was switched and the run can be fixed and repeated: after 4 the new primary takes writes, the
     * report's RPO lists what was lost, and running it again or rolling back on the exit code would
     * be wrong. A forced run whose switch or unfreeze itself failed still exits 1.
     */
    static final int FORCED = 4;

    @Option(
            names = "--json",
            description =
                    "Print the report as JSON on stdout (the object ${COMMAND-NAME}-report.json holds) instead of "
                            + "text, and the progress on stderr as one JSON object per step started and ended.")
    boolean json;

    /** What {@code spec}'s command prints on stderr as its steps start and end. */
    StepListener progress(CommandSpec spec) {
        return StepProgress.of(spec.commandLine().getErr(), spec.name(), json);
    }

    /** Writes the report files into {@code dir}, prints the report on stdout; returns the exit code ({@link #print}). */
    int finish(Report report, Path dir, CommandSpec spec) {
        return print(report, ReportWriter.write(report, dir), spec.commandLine().getOut(), json);
    }

    /**
     * The checks on the terminal and where the report is, or with {@code json} the report's JSON
     * object alone; 0 when all passed and every switch was stored, 3 ({@link #NOT_STORED}) when all
     * passed but one was not, 1 when a check failed, 4 ({@link #FORCED}) when one failed and
     * {@code --force} switched the routers anyway.
     */
    static int print(Report report, Path markdown, PrintWriter out, boolean json) {
        int exit = exitCode(report);
        if (json) {
            out.println(ReportWriter.json(report).toPrettyString());
            out.flush();
            return exit;
        }
        for (Check c : report.checks()) {
            out.printf("%-22s %s  %s%n", c.name(), c.passed() ? "pass" : "FAIL", c.detail());
        }
        report.warnings().forEach(w -> out.println("WARNING: " + w));
        out.println("RPO: " + report.rpo().size() + " change(s) not replicated"
                + report.rpo().stream().mapToLong(i -> i.age().toSeconds()).max().stream()
                        .mapToObj(s -> ", the oldest " + s + " s old")
                        .findFirst()
                        .orElse(""));
        report.timingsMillis().forEach((k, v) -> out.println(k + ": " + v + " ms"));
        out.println(report.kind() + " " + verdict(report, exit) + "; report: " + markdown);
        out.flush();
        return exit;
    }

    /**
     * {@link #FORCED} when a check failed and {@code --force} switched anyway, else 1 when a check
     * failed, else {@link #NOT_STORED} when a switch was not stored, else 0.
     */
    private static int exitCode(Report report) {
        if (!report.passed()) {
            return report.forced() ? FORCED : 1;
        }
        return report.warnings().isEmpty() ? 0 : NOT_STORED;
    }

    private static String verdict(Report report, int exit) {
        if (!report.passed()) {
            return report.forced()
                    ? "FAILED, routers SWITCHED anyway (--force; exit " + FORCED + ": do not run it again)"
                    : "FAILED";
        }
        return exit == NOT_STORED
                ? "PASSED, " + report.warnings().size() + " router switch(es) NOT STORED (exit " + NOT_STORED + ")"
                : "PASSED";
    }
}
