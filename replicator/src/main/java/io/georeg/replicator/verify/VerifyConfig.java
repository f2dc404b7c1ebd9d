package io.georeg.replicator.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the periodic re-verification of stored content runs, under the {@code replicator.verify.*}
 * keys. Limits are per replicator process: N processes verify at up to N times these rates.
 *
 * @param enabled whether {@link Verifier#start()} schedules passes at all
 * @param interval pause between the end of one pass and the start of the next
 * @param batchSize objects claimed per short claim transaction
 * @param bytesPerSecond bytes hashed per second at most (blob storage reads and manifest bytes)
 * @param objectsPerSecond objects verified per second at most (bounds database and storage requests
 *     for many small objects, which the byte limit alone does not)
 * @param reverifyAfter an object verified more recently than this is not due again; also what makes
 *     one pass never verify the same object twice
 */
public record VerifyConfig(
        boolean enabled,
        Duration interval,
        int batchSize,
        long bytesPerSecond,
        long objectsPerSecond,
        Duration reverifyAfter) {

    public static VerifyConfig defaults() {
        return new VerifyConfig(true, Duration.ofMinutes(10), 16, 50L * 1024 * 1024, 50, Duration.ofDays(7));
    }

    public VerifyConfig withRates(long bytes, long objects) {
        return new VerifyConfig(enabled, interval, batchSize, bytes, objects, reverifyAfter);
    }

    public VerifyConfig withBatchSize(int n) {
        return new VerifyConfig(enabled, interval, n, bytesPerSecond, objectsPerSecond, reverifyAfter);
    }

    public VerifyConfig withInterval(Duration d) {
        return new VerifyConfig(enabled, d, batchSize, bytesPerSecond, objectsPerSecond, reverifyAfter);
    }

    /** Checks every key and names all that are wrong at once, with the fix. Returns this. */
    public VerifyConfig validate() {
        List<String> problems = new ArrayList<>();
        if (interval == null || interval.toMillis() < 1000) {
            problems.add("replicator.verify.interval must be at least 1s, e.g. 10m (got " + interval + ")");
        }
        if (batchSize < 1 || batchSize > 1000) {
            problems.add("replicator.verify.batchSize must be between 1 and 1000, e.g. 16 (got " + batchSize + ")");
        }
        if (bytesPerSecond < 1) {
            problems.add("replicator.verify.bytesPerSecond must be positive, e.g. 52428800 for 50 MiB/s (got "
                    + bytesPerSecond + ")");
        }
        if (objectsPerSecond < 1) {
            problems.add("replicator.verify.objectsPerSecond must be positive, e.g. 50 (got " + objectsPerSecond + ")");
        }
        if (reverifyAfter == null || reverifyAfter.toMillis() < 60_000) {
            problems.add("replicator.verify.reverifyAfter must be at least 1m, e.g. 7d (got " + reverifyAfter + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid verification configuration: " + String.join("; ", problems));
        }
        return this;
    }
}
