package io.georeg.app.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code health} section: how georeg watches its own backends (the tracking database and blob
 * storage) so that their faults degrade the secondary instead of failing requests the primary can
 * answer. Its defaults are declared in {@link ConfigDefaults}.
 *
 * @param interval how often the database and storage are probed
 * @param budget   how long a probe may take before the backend counts as unavailable, and how long
 *                 the router waits for the replica to start answering a read while the primary is
 *                 up before the primary answers it
 */
public record HealthSection(Duration interval, Duration budget) {

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (interval == null || interval.isZero() || interval.isNegative()) {
            problems.add("health.interval must be a positive duration, e.g. 2s (got " + interval + ")");
        }
        if (budget == null || budget.toMillis() < 1) {
            problems.add("health.budget must be a positive duration, e.g. 2s (got " + budget + ")");
        }
        return problems;
    }
}
