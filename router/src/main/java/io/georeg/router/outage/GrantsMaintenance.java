package io.georeg.router.outage;

import io.georeg.ops.PeriodicJob;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the outage grants table bounded and the grants gauge current: {@link TokenShield#maintain}
 * at start and every interval, on one daemon thread ({@link PeriodicJob}). Every router runs it; pruning is idempotent.
 * Started and closed by the router.
 */
public final class GrantsMaintenance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrantsMaintenance.class);

    private final PeriodicJob job;

    public GrantsMaintenance(TokenShield shield, Duration interval) {
        this.job = new PeriodicJob(
                        "outage-grants-maintenance",
                        interval,
                        LOG,
                        "cannot prune the outage grants (will retry in {})",
                        shield::maintain)
                .stopWithin(Duration.ofSeconds(5), () -> "outage grants maintenance did not stop within 5 s");
    }

    public GrantsMaintenance start() {
        job.start(Duration.ZERO);
        return this;
    }

    @Override
    public void close() {
        job.close();
    }
}
