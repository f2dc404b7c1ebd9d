package io.georeg.app.config;

import io.georeg.ops.ClientDeadlines;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.ReplicatorConfig;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.verify.VerifyConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code replicator} section: where its HTTP port listens (notification intake, status page,
 * health and metrics) and the replicator module's own records — {@link IntakeConfig},
 * {@link PrimaryConfig}, {@link WorkerConfig}, {@link SyncConfig}, {@link RetentionConfig},
 * {@link VerifyConfig} — composed into a {@link ReplicatorConfig} by {@link #toReplicatorConfig()}.
 *
 * @param limits process-wide limits ({@code replicator.limits.bytesPerSecond})
 * @param clients how long a client of the replicator's port (the primary's notifications) may take
 *     to send its request headers, and be silent
 */
public record ReplicatorSection(
        String bindHost,
        int port,
        IntakeConfig intake,
        PrimaryConfig primary,
        WorkerConfig workers,
        SyncConfig sync,
        RetentionConfig retention,
        VerifyConfig verify,
        Limits limits,
        ClientDeadlines clients) {

    /** @param bytesPerSecond total bandwidth of this process's blob copies, 0 = unlimited */
    public record Limits(long bytesPerSecond) {}

    public ReplicatorConfig toReplicatorConfig() {
        return toReplicatorConfig(new PrimarySource(PrimarySource.SINGLE, intake, primary));
    }

    /**
     * With the intake and registry of {@code first} instead of {@code intake} and {@code primary}:
     * with {@code primaries}, each primary has its own and this section's are only the shared
     * settings (secret header, body limit, timeouts, kind).
     */
    public ReplicatorConfig toReplicatorConfig(PrimarySource first) {
        return new ReplicatorConfig(
                first.intake(),
                first.primary(),
                workers,
                sync == null ? SyncConfig.everything() : sync,
                retention == null ? RetentionConfig.defaults() : retention,
                limits == null ? 0 : limits.bytesPerSecond());
    }

    /** Every problem, each naming its {@code replicator.*} key and the fix. */
    List<String> problems() {
        return problems(null);
    }

    /** As {@link #problems()}, the per-primary keys checked by {@link Primaries} when {@code first} (the first listed primary) is given. */
    List<String> problems(PrimarySource first) {
        List<String> problems = new ArrayList<>();
        if (bindHost == null || bindHost.isBlank()) {
            problems.add("replicator.bindHost: set the interface to listen on, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            problems.add("replicator.port: must be 0..65535 (0 picks a free port); got " + port);
        }
        try {
            (first == null ? toReplicatorConfig() : toReplicatorConfig(first)).validate();
        } catch (IllegalArgumentException e) {
            if (first == null) {
                problems.add(e.getMessage());
            } else {
                // The first primary's own intake and account are reported under primaries[0].
                problems.add(e.getMessage()
                        .replace("replicator.intake", "replicator.intake (or primaries[0].intake*)")
                        .replace("replicator.primary", "replicator.primary (or primaries[0])"));
            }
        }
        problems.addAll(
                clients == null
                        ? List.of("replicator.clients is required (see docs/configuration.md)")
                        : clients.problems("replicator.clients"));
        if (verify == null) {
            problems.add("replicator.verify is required (see docs/configuration.md)");
        } else {
            try {
                verify.validate();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }
}
