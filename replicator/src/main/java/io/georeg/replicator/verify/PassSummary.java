package io.georeg.replicator.verify;

import java.util.Map;

/**
 * What one verification pass of one process did.
 *
 * @param results objects per target and outcome
 * @param bytes bytes hashed
 * @param repairs re-copies queued
 */
public record PassSummary(Map<VerifyTarget, Map<VerifyOutcome, Long>> results, long bytes, long repairs) {

    public long count(VerifyTarget target, VerifyOutcome outcome) {
        return results.getOrDefault(target, Map.of()).getOrDefault(outcome, 0L);
    }

    public long total() {
        return results.values().stream()
                .flatMap(m -> m.values().stream())
                .mapToLong(Long::longValue)
                .sum();
    }
}
