package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.history.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short history run in the suite (see {@link HistoryRun}): four clients on two routers for 25
 * seconds (and at least 60 operations each) against a real distribution primary with the real replicator, then the checker over
 * every operation, and the replica's tags against the primary's after quiescence.
 */
class HistoryCheckIT {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryCheckIT.class);

    /**
     * Every key group is asserted: the routers fence every write kind the workload makes (tag
     * pushes, manifest and blob deletes, pushes of manifests with a {@code subject}), whether the
     * read went through the router that took the write or the other one (a router checks the
     * fence generation before it trusts its in-memory fences), and the replicator's copies refuse
     * content whose delete the replica applied after they read the primary (tombstones), so a
     * deleted manifest or blob cannot come back even for a moment.
     */
    static final List<String> ASSERTED = HistoryRun.GROUPS;

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void noReadSeesAStateOlderThanAWriteThatCompletedBeforeItAndTheReplicaConvergesToThePrimary() throws Exception {
        // At least 60 operations per client: enough reads of the shared tags to judge on a loaded machine.
        HistoryRun.Result result = HistoryRun.run(DB, temp, 4, Duration.ofSeconds(25), 1, 60);
        LOG.info("history check:\n{}", result.figures());
        HistoryRun.sample(result.violations(), 5).forEach(v -> LOG.info("violation: {}", v));

        assertThat(result.ops())
                .filteredOn(o -> o.type() == Op.Type.READ
                        && o.outcome() == Op.Outcome.OK
                        && HistoryRun.groupOf(o.key()).equals("tag:" + HistoryWorkload.SHARED))
                .as("reads of the racing shared tags judged")
                .hasSizeGreaterThan(10)
                .extracting(Op::source)
                .as("served by the primary while fenced")
                .anyMatch(source -> source.startsWith("primary"));
        // The shared tags are written by every client all the time, so their reads may all be
        // fenced (a fence stands until the replica has shown the write for replica.cache.tagTtl);
        // reads of what was written once (manifests by digest, blobs, owned tags) reach the replica.
        assertThat(result.ops())
                .filteredOn(o -> o.type() == Op.Type.READ && o.outcome() == Op.Outcome.OK)
                .extracting(Op::source)
                .as("judged reads served by the replica")
                .anyMatch(source -> source.startsWith("replica"));
        assertThat(result.violationsIn(ASSERTED)).isEmpty();
        assertThat(result.diverged()).isEmpty();
    }
}
