package io.georeg.router.outage;

import io.georeg.db.Transactions;
import io.georeg.ops.PeriodicJob;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this router's outage shield, as {@link OutageMetrics} sees it (site key loaded, grants
 * held, answering token requests itself), into {@code outage_shield_reports} every
 * {@link #INTERVAL}, so that {@code georeg status} and the status page of any router show every
 * router's shield (they count reports younger than a minute). Deletes its row when closed and
 * prunes rows no router has written for a day. Started and closed by the router when token auth
 * is configured and a tracking database is there; one daemon thread ({@link PeriodicJob}).
 */
public final class ShieldReporter implements AutoCloseable {
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(ShieldReporter.class);

    private static final String UPSERT = """
            INSERT INTO outage_shield_reports (router, site_key_loaded, in_use, grants, reported_at)
            VALUES (?, ?, ?, ?, now())
            ON CONFLICT (router) DO UPDATE
               SET site_key_loaded = excluded.site_key_loaded, in_use = excluded.in_use,
                   grants = excluded.grants, reported_at = excluded.reported_at
            """;
    private static final String PRUNE =
            "DELETE FROM outage_shield_reports WHERE reported_at < now() - interval '1 day'";
    private static final String REMOVE = "DELETE FROM outage_shield_reports WHERE router = ?";

    private final Transactions transactions;
    private final String router;
    private final OutageMetrics shield;
    private final PeriodicJob job;
    /** Whether this router's row may be in the table, for {@link #close} to delete (guarded by this). */
    private boolean started;

    /** @param router how this router is named in the reports: its host and public port */
    public ShieldReporter(Transactions transactions, String router, OutageMetrics shield) {
        this.transactions = transactions;
        this.router = router;
        this.shield = shield;
        this.job = new PeriodicJob(
                        "outage-shield-reporter",
                        INTERVAL,
                        LOG,
                        "cannot report the outage shield's state (will retry in {})",
                        this::report)
                .stopWithin(Duration.ofSeconds(5), () -> "outage shield reporter did not stop within 5 s");
    }

    public synchronized ShieldReporter start() {
        started = true;
        job.start(Duration.ZERO);
        return this;
    }

    /** Writes the current state now (also what the schedule runs). */
    public void report() {
        transactions.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                ps.setString(1, router);
                ps.setBoolean(2, shield.siteKeyLoaded());
                ps.setBoolean(3, shield.inUse());
                ps.setLong(4, shield.held());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(PRUNE)) {
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public synchronized void close() {
        if (!started) {
            return;
        }
        started = false;
        job.close();
        try {
            transactions.autoCommit(c -> {
                try (PreparedStatement ps = c.prepareStatement(REMOVE)) {
                    ps.setString(1, router);
                    return ps.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("cannot remove this router's outage shield report; it ages out of georeg status in a minute", e);
        }
    }
}
