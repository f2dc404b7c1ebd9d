package io.georeg.replicator;

import io.georeg.egress.PrimaryEgress;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.SyncConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code replicator} section of the configuration: the notification endpoint, the primary
 * registry, the workers, and the bandwidth limit. Built by the app's configuration loader and by
 * tests; {@link #validate()} runs at start-up and lists every problem with its key and fix.
 *
 * @param maxBytesPerSecond total bandwidth of blob copies of this process, 0 = unlimited
 *     ({@code replicator.limits.bytesPerSecond})
 * @param egress how the primary is reached: CA bundle and proxy ({@code primary.*}, shared with the router)
 */
public record ReplicatorConfig(
        IntakeConfig intake,
        PrimaryConfig primary,
        WorkerConfig workers,
        SyncConfig sync,
        RetentionConfig retention,
        long maxBytesPerSecond,
        PrimaryEgress egress) {

    public ReplicatorConfig {
        egress = egress == null ? PrimaryEgress.DIRECT : egress;
    }

    /** Direct connections to the primary. */
    public ReplicatorConfig(
            IntakeConfig intake,
            PrimaryConfig primary,
            WorkerConfig workers,
            SyncConfig sync,
            RetentionConfig retention,
            long maxBytesPerSecond) {
        this(intake, primary, workers, sync, retention, maxBytesPerSecond, PrimaryEgress.DIRECT);
    }

    public static ReplicatorConfig of(IntakeConfig intake, PrimaryConfig primary) {
        return new ReplicatorConfig(
                intake, primary, WorkerConfig.defaults(), SyncConfig.everything(), RetentionConfig.defaults(), 0);
    }

    public ReplicatorConfig withEgress(PrimaryEgress e) {
        return new ReplicatorConfig(intake, primary, workers, sync, retention, maxBytesPerSecond, e);
    }

    public ReplicatorConfig withWorkers(WorkerConfig w) {
        return new ReplicatorConfig(intake, primary, w, sync, retention, maxBytesPerSecond, egress);
    }

    public ReplicatorConfig withSync(SyncConfig s) {
        return new ReplicatorConfig(intake, primary, workers, s, retention, maxBytesPerSecond, egress);
    }

    public ReplicatorConfig withRetention(RetentionConfig r) {
        return new ReplicatorConfig(intake, primary, workers, sync, r, maxBytesPerSecond, egress);
    }

    public ReplicatorConfig withMaxBytesPerSecond(long limit) {
        return new ReplicatorConfig(intake, primary, workers, sync, retention, limit, egress);
    }

    public ReplicatorConfig validate() {
        List<String> problems = new ArrayList<>();
        check(problems, "replicator.intake", intake == null ? null : intake::validate);
        check(problems, "replicator.primary", primary == null ? null : primary::validate);
        check(problems, "replicator.workers", workers == null ? null : workers::validate);
        check(problems, "replicator.sync", sync == null ? null : sync::validate);
        check(problems, "replicator.retention", retention == null ? null : retention::validate);
        problems.addAll(egress.problems());
        if (maxBytesPerSecond < 0) {
            problems.add("replicator.limits.bytesPerSecond must not be negative (0 means unlimited)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid replicator configuration: " + String.join("; ", problems));
        }
        return this;
    }

    private static void check(List<String> problems, String section, Runnable validation) {
        if (validation == null) {
            problems.add(section + " is required");
            return;
        }
        try {
            validation.run();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }
}
