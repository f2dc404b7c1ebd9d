package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.app.wiring.GeoregServer;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.Migrations;
import io.georeg.testkit.db.NewerRelease;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.history.History;
import io.georeg.testkit.history.Op;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling upgrade under load, with real parts ({@link HistorySites}: a distribution primary
 * notifying the replicator, two fronts of registry-read and router on one database and storage):
 * three clients push, overwrite, delete and pull through both routers the whole time while the
 * next release's migrations are applied (an expansion, {@link NewerRelease#EXPANDED}) and every
 * process is replaced, one at a time, the way a Deployment rolls: a new front is started and made
 * ready, the load balancer's slot moves to it and the old front drains (no client is left inside a
 * request to it) before it stops gracefully; the replicator stops (its intake finishing what it
 * took) and starts again on the port the primary notifies, which re-sends what was refused in
 * between. Then: no client operation failed, no notification was lost (the replica converges to
 * the primary with reconcile off, so a lost push or delete would leave a tag behind), and no read
 * through a router saw a state older than a write that completed before it. An operation that
 * failed at the primary itself (its log says so: distribution's own races, {@link PrimaryFaults})
 * is the primary's, passed on faithfully, and is reported, not counted against the upgrade. The time of each step is logged. A failure names each request
 * that failed, its answer and what the primary logged about it ({@link FailedRequests}).
 */
class RollingUpgradeIT {
    private static final Logger LOG = LoggerFactory.getLogger(RollingUpgradeIT.class);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void processesReplacedOneAtATimeUnderLoadLoseNoOperationAndNoNotification() throws Exception {
        Map<String, Duration> steps = new LinkedHashMap<>();
        try (HistorySites sites = new HistorySites(DB, temp)) {
            HistoryWorkload workload =
                    new HistoryWorkload(new HistoryWorkload.Config(sites.routers(), 3, Duration.ofSeconds(40), 11, 0));
            CompletableFuture<History> clients = CompletableFuture.supplyAsync(() -> {
                try {
                    return workload.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            await("clients under way")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> workload.history().ops().size() > 20);

            long start = System.nanoTime();
            try (Database db = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())).start()) {
                NewerRelease.EXPANDED.migrate(db.dataSource(), Migrations.LOCATION);
            }
            for (GeoregServer front : sites.fronts) {
                front.resources().schemaGuard().recheck();
                assertThat(front.resources().schemaCompatible())
                        .as("the running release stays ready on the expanded schema")
                        .isTrue();
            }
            steps.put("migrations of the next release", elapsed(start));

            for (int i = 0; i < 2; i++) {
                start = System.nanoTime();
                URI next = sites.startFrontBeside(i);
                await("the new front " + i + " ready")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> HistorySites.ready(next));
                workload.reroute(i, next);
                sites.replaceFront(i);
                steps.put("front " + i + " replaced (start, ready, drain, stop)", elapsed(start));
            }

            long frontsReplaced = workload.history().now();
            start = System.nanoTime();
            sites.replaceReplicator();
            steps.put("replicator replaced", elapsed(start));

            History history = clients.get();
            start = System.nanoTime();
            HistoryRun.Result result = HistoryRun.judge(DB, sites, workload, history);
            steps.put("quiescence and checks", elapsed(start));
            StringBuilder report = new StringBuilder("rolling upgrade under load:\n");
            steps.forEach((step, took) -> report.append("  ")
                    .append(step)
                    .append(": ")
                    .append(took.toMillis())
                    .append(" ms\n"));
            List<Op> failed = result.ops().stream()
                    .filter(o -> o.outcome() != Op.Outcome.OK)
                    .toList();
            PrimaryFaults primaryFaults = PrimaryFaults.in(sites.primary.log());
            List<Op> failedThroughGeoreg = primaryFaults.notThePrimarys(failed, result.ops());
            report.append("  failed client operations: ")
                    .append(failed.size())
                    .append(" of ")
                    .append(result.ops().size())
                    .append(", of which the primary itself failed (its log: 5xx ")
                    .append(primaryFaults.answers())
                    .append(", manifests refused for a blob it had stored ")
                    .append(primaryFaults.blobsUnknown())
                    .append("): ")
                    .append(failed.size() - failedThroughGeoreg.size())
                    .append("\n  tags diverged after quiescence (lost notifications): ")
                    .append(result.diverged().size())
                    .append('\n')
                    .append(result.figures());
            LOG.info("{}", report);

            assertThat(result.ops())
                    .as("operations through the new fronts")
                    .anyMatch(o -> o.invoked() > frontsReplaced && o.outcome() == Op.Outcome.OK);
            assertThat(failedThroughGeoreg)
                    .as(() -> "no client operation failed but by the primary's own fault, passed on; "
                            + workload.failedRequests().report(sites.primary.log()))
                    .isEmpty();
            assertThat(result.diverged()).as("no notification lost").isEmpty();
            assertThat(result.violationsIn(HistoryCheckIT.ASSERTED)).isEmpty();
        }
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
