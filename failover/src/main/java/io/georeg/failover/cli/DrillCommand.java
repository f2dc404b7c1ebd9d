package io.georeg.failover.cli;

import io.georeg.db.Database;
import io.georeg.egress.PrimaryEgress;
import io.georeg.failover.drill.Drill;
import io.georeg.failover.drill.DrillOptions;
import io.georeg.failover.report.Report;
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
 * check passed and every router switch was stored, 3 ({@link ReportOutput#NOT_STORED}) when one
 * was not. The app registers an instance with a supplier of the started tracking database.
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

    @Mixin
    ReportOutput output;

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
                HttpClient http = targets.client(trust)) {
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
            Report report = new Drill(options, database, http, trust).run(output.progress(spec));
            return output.finish(report, reportDir, spec);
        }
    }
}
