package io.georeg.failover.cli;

import io.georeg.db.Database;
import io.georeg.egress.PrimaryEgress;
import io.georeg.failover.drill.Drill;
import io.georeg.failover.drill.DrillOptions;
import io.georeg.failover.report.Check;
import io.georeg.failover.report.Report;
import io.georeg.failover.report.ReportWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg drill}: rehearses losing the primary against a running deployment ({@link Drill})
 * and writes {@code drill-report.md} and {@code drill-report.json}. Exit code 0 only when every
 * check passed and every router switch was stored, 3 ({@link #NOT_STORED}) when one was not. The
 * app registers an instance with a supplier of the started tracking database.
 */
@Command(
        name = "drill",
        description =
                "Rehearse a primary outage: switch the routers to primary-down, pull a sample, check pushes are refused, restore, report.")
public final class DrillCommand implements Callable<Integer> {
    private final Supplier<Database> databases;
    private final Supplier<Optional<String>> configuredAdminToken;
    private final Supplier<PrimaryEgress> egress;

    @Mixin
    RouterTargets targets;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            description =
                    "Where clients pull, for the sample pulls and the push check (repeatable; default: the public "
                            + "URL each router reports, its router.publicUrl).")
    List<URI> registries;

    @Option(
            names = "--sample",
            defaultValue = "5",
            description = "Replicated images to pull (default ${DEFAULT-VALUE}).")
    int sample;

    @Mixin
    PullCredentials credentials;

    @Option(names = "--observe-outage", description = "Verify a real primary outage instead of switching the routers.")
    boolean observeOutage;

    @Option(
            names = "--max-lag",
            defaultValue = "PT5M",
            description =
                    "Pre-check: oldest unreplicated change at most this old, e.g. 5m or PT5M (default ${DEFAULT-VALUE}).")
    Duration maxLag;

    @Option(
            names = "--max-pending",
            defaultValue = "100",
            description = "Pre-check: at most this many changes pending (default ${DEFAULT-VALUE}).")
    long maxPending;

    @Option(
            names = "--max-failed",
            defaultValue = "0",
            description = "Pre-check: at most this many failed changes (default ${DEFAULT-VALUE}).")
    long maxFailed;

    @Option(
            names = "--json",
            description =
                    "Print the report as JSON on stdout (the object drill-report.json holds) instead of text, and "
                            + "the progress on stderr as one JSON object per step started and ended.")
    boolean json;

    @Option(
            names = "--report",
            required = true,
            paramLabel = "DIR",
            description = "Directory for drill-report.md and drill-report.json.")
    Path reportDir;

    @Spec
    CommandSpec spec;

    /**
     * @param configuredAdminToken the configuration's router.admin.token, used when no option names one
     * @param egress the configuration's primary.* settings: the drill trusts their CA bundle (its
     *     pulls go to the registry hostname), connecting directly (it talks to this site only)
     */
    public DrillCommand(
            Supplier<Database> databases,
            Supplier<Optional<String>> configuredAdminToken,
            Supplier<PrimaryEgress> egress) {
        this.databases = databases;
        this.configuredAdminToken = configuredAdminToken;
        this.egress = egress;
    }

    @Override
    public Integer call() {
        PullCredentials.Credentials pull = credentials.resolve(spec);
        Optional<String> user = Optional.ofNullable(pull).map(PullCredentials.Credentials::user);
        Optional<String> password = Optional.ofNullable(pull).map(PullCredentials.Credentials::password);
        PrimaryEgress trust = new PrimaryEgress(egress.get().caBundle(), null);
        try (Database database = databases.get();
                HttpClient http = trust.trustOnly(HttpClient.newBuilder())
                        .connectTimeout(Duration.ofSeconds(5))
                        .build()) {
            // After the configuration loaded: its errors come first, and it may hold the token.
            DrillOptions options = new DrillOptions(
                    targets.routers,
                    registries,
                    targets.adminToken(spec, configuredAdminToken),
                    sample,
                    user,
                    password,
                    observeOutage,
                    maxLag,
                    maxPending,
                    maxFailed);
            Report report = new Drill(options, database, http, trust)
                    .run(StepProgress.of(spec.commandLine().getErr(), "drill", json));
            return print(
                    report,
                    ReportWriter.write(report, reportDir),
                    spec.commandLine().getOut(),
                    json);
        }
    }

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
     * The checks on the terminal and where the report is, or with {@code json} the report's JSON
     * object alone (for pipelines); 0 when all passed and every switch was stored, 3
     * ({@link #NOT_STORED}) when all passed but one was not, 1 when a check failed. Shared with
     * promote.
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

    /** 1 when a check failed, else {@link #NOT_STORED} when a switch was not stored, else 0. */
    private static int exitCode(Report report) {
        if (!report.passed()) {
            return 1;
        }
        return report.warnings().isEmpty() ? 0 : NOT_STORED;
    }

    private static String verdict(Report report, int exit) {
        if (!report.passed()) {
            return "FAILED";
        }
        return exit == NOT_STORED
                ? "PASSED, " + report.warnings().size() + " router switch(es) NOT STORED (exit " + NOT_STORED + ")"
                : "PASSED";
    }
}
