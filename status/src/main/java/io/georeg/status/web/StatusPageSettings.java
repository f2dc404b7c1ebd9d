package io.georeg.status.web;

import java.time.Duration;

/**
 * What the status page shows: how far back lag percentiles and bytes look ({@code lagWindow}),
 * how many minutes the lag chart spans, and how many failure groups, recent failures and
 * repositories it lists at most (the page stays small however large the registry is).
 */
public record StatusPageSettings(
        Duration lagWindow, Duration chartSpan, int failureGroups, int recentFailures, int maxRepositories) {

    public StatusPageSettings {
        if (lagWindow.isNegative() || lagWindow.isZero()) {
            throw new IllegalArgumentException("status page lagWindow must be positive, got " + lagWindow);
        }
        if (chartSpan.toMinutes() < 1) {
            throw new IllegalArgumentException("status page chartSpan must be at least one minute, got " + chartSpan);
        }
        if (failureGroups < 1 || recentFailures < 1 || maxRepositories < 1) {
            throw new IllegalArgumentException("status page limits must be at least 1");
        }
    }

    /** 15 minutes of lag percentiles (as {@code georeg status}), a one-hour chart, 20 groups, 50 failures, 1000 repositories. */
    public static StatusPageSettings defaults() {
        return new StatusPageSettings(Duration.ofMinutes(15), Duration.ofHours(1), 20, 50, 1000);
    }
}
