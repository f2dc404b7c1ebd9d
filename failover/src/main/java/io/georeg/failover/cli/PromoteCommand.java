package io.georeg.failover.cli;

import io.georeg.egress.PrimaryEgress;
import io.georeg.failover.promote.Promotion;
import io.georeg.failover.promote.PromotionOptions;
import io.georeg.failover.promote.PromotionSession;
import io.georeg.failover.report.Report;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code georeg promote}: the planned failover ({@link Promotion}) — freeze, drain, final
 * reconcile, verify, switch the routers to the new primary, unfreeze — with a report. Exit code 0
 * only when every check passed and every router switch was stored, 3 when one was not
 * ({@link ReportOutput#NOT_STORED}). The app registers an instance with a session supplier.
 */
@Command(
        name = "promote",
        description =
                "Planned failover: freeze writes, drain and verify replication, switch the routers to the new primary.")
public final class PromoteCommand implements Callable<Integer> {
    private final Supplier<PromotionSession> sessions;
    private final Supplier<Optional<String>> configuredAdminToken;
    private final Supplier<PrimaryEgress> egress;

    @Mixin
    RouterTargets targets;

    @Option(
            names = "--new-primary",
            required = true,
            paramLabel = "URL",
            description = "The registry that takes writes from now on.")
    URI newPrimary;

    @Option(
            names = "--drain-timeout",
            defaultValue = "PT10M",
            description = "Longest wait for the queue to drain, e.g. 10m or PT10M (default ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(
            names = "--verify-timeout",
            defaultValue = "PT30M",
            description = "Longest verification pass, e.g. 30m or PT30M (default ${DEFAULT-VALUE}).")
    Duration verifyTimeout;

    @Option(names = "--run-workers", description = "Copy in this process too (when no replicator is running).")
    boolean runWorkers;

    @Option(
            names = "--force",
            description = "Switch even when a check failed (unplanned failover: the old primary is gone).")
    boolean force;

    @Mixin
    ReportOutput output;

    @Option(
            names = "--report",
            defaultValue = ".",
            paramLabel = "DIR",
            description = "Directory for promote-report.md/.json (default: here).")
    Path reportDir;

    @Spec
    CommandSpec spec;

    /**
     * @param configuredAdminToken the configuration's router.admin.token, used when no option names one
     * @param egress the configuration's primary.* settings: the admin calls trust their CA bundle;
     *     the final reconcile reaches the old primary through them (the session's replicator)
     */
    public PromoteCommand(
            Supplier<PromotionSession> sessions,
            Supplier<Optional<String>> configuredAdminToken,
            Supplier<PrimaryEgress> egress) {
        this.sessions = sessions;
        this.configuredAdminToken = configuredAdminToken;
        this.egress = egress;
    }

    @Override
    public Integer call() {
        try (PromotionSession session = sessions.get();
                HttpClient http = targets.client(egress.get())) {
            // After the configuration loaded: its errors come first, and it may hold the token.
            PromotionOptions options;
            try {
                options = new PromotionOptions(
                        targets.routers,
                        targets.adminToken(spec, configuredAdminToken),
                        newPrimary,
                        drainTimeout,
                        verifyTimeout,
                        runWorkers,
                        force);
            } catch (IllegalArgumentException e) {
                // A usage error (exit 2), found before any router is frozen.
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            Report report = new Promotion(options, session, http).run(output.progress(spec));
            return output.finish(report, reportDir, spec);
        }
    }
}
