package io.georeg.ops;

import java.time.Duration;

/**
 * The apdex thresholds of a component's requests ({@code metrics.apdex.*}): a request answered
 * (its status and headers sent) within {@link #satisfied()} satisfies, within {@link #tolerated()}
 * is tolerated, slower or failed (5xx) frustrates. Apdex = (satisfied + tolerated / 2) / all.
 *
 * @param satisfied the target time T (apdex's convention: tolerated is 4 T)
 * @param tolerated the slowest answer still tolerated
 */
public record ApdexThresholds(Duration satisfied, Duration tolerated) {
    public static final Duration DEFAULT_SATISFIED = Duration.ofMillis(250);

    public static ApdexThresholds defaults() {
        return new ApdexThresholds(DEFAULT_SATISFIED, DEFAULT_SATISFIED.multipliedBy(4));
    }

    /** Returns this, or throws naming the key and the fix. */
    public ApdexThresholds validate() {
        if (satisfied == null || satisfied.isNegative() || satisfied.isZero()) {
            throw new IllegalArgumentException("apdex.satisfied must be a duration > 0, e.g. 250ms");
        }
        if (tolerated == null || tolerated.compareTo(satisfied) < 0) {
            throw new IllegalArgumentException(
                    "apdex.tolerated must be a duration >= apdex.satisfied, e.g. 1s (4 x 250ms)");
        }
        return this;
    }
}
