package io.georeg.replicator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.binding.PrimaryBinding;
import io.georeg.replicator.binding.PrimaryBindingStore;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.testkit.db.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The queue's contract on a real PostgreSQL: exclusive claims, leases, coalescing, retries. */
class WorkQueueIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final RepositoryName REPO = RepositoryName.of("team/app");
    /** The primaries this test's database replicates: a claim names them (V21). */
    private static final PrimaryBinding BINDING =
            new PrimaryBinding(Map.of(PrimarySource.SINGLE, "http://primary.test:80"));

    private static final String BOUND = BINDING.fingerprint();
    private static Database database;
    private static WorkQueue queue;

    @BeforeAll
    static void start() {
        database = ReplicatorDatabase.start(DB);
        queue = new WorkQueue(database);
        new PrimaryBindingStore(database).bindIfUnbound(BINDING, "WorkQueueIT");
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @BeforeEach
    void empty() {
        ReplicatorDatabase.truncateQueue(DB);
    }

    private static Digest digest(int i) {
        return Digest.sha256(("content " + i).getBytes(StandardCharsets.UTF_8));
    }

    private static WorkRequest blob(int i) {
        return WorkRequest.blobPush(REPO, digest(i), 10, Instant.now(), "test");
    }

    @Test
    void concurrentClaimersNeverGetTheSameItem() throws Exception {
        List<WorkRequest> requests = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            requests.add(blob(i));
        }
        assertThat(queue.enqueue(requests)).isEqualTo(200);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<List<Long>>> claimers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String owner = "owner-" + w;
                claimers.add(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (List<WorkItem> batch;
                            !(batch = queue.claim(owner, 7, Duration.ofMinutes(1), BOUND)).isEmpty(); ) {
                        batch.forEach(item -> mine.add(item.id()));
                    }
                    return mine;
                });
            }
            Set<Long> all = new HashSet<>();
            int total = 0;
            for (Future<List<Long>> f : pool.invokeAll(claimers)) {
                all.addAll(f.get());
                total += f.get().size();
            }
            assertThat(total).isEqualTo(200);
            assertThat(all).hasSize(200);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExpiredLeaseIsClaimedByAnotherOwnerAndTheOldOwnerCannotFinishIt() {
        queue.enqueue(List.of(blob(1)));
        WorkItem first =
                queue.claim("crashed", 10, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(queue.claim("other", 10, Duration.ofSeconds(30), BOUND)).isEmpty();
        DB.execute("UPDATE replication_work SET lease_expires_at = now() - interval '1 second'");
        WorkItem again = queue.claim("other", 10, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.attempts()).isEqualTo(2);
        assertThat(queue.complete(first, "crashed")).isEmpty();
        assertThat(queue.complete(again, "other"))
                .hasValueSatisfying(c -> assertThat(c.state()).isEqualTo(WorkState.DONE));
    }

    @Test
    void aRequestArrivingWhileTheItemRunsMakesItRunAgainInsteadOfDone() {
        Tag v1 = Tag.of("v1");
        queue.enqueue(List.of(WorkRequest.tagPush(REPO, v1, digest(1), Instant.now(), "test")));
        WorkItem running = queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0);
        queue.enqueue(List.of(WorkRequest.tagPush(REPO, v1, digest(2), Instant.now(), "test")));
        assertThat(queue.claim("w2", 10, Duration.ofSeconds(30), BOUND))
                .as("still leased: not given to a second worker")
                .isEmpty();
        assertThat(queue.complete(running, "w"))
                .hasValueSatisfying(c -> assertThat(c.state()).isEqualTo(WorkState.PENDING));
        WorkItem rerun = queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(rerun.digest()).contains(digest(2));
        assertThat(queue.complete(rerun, "w"))
                .hasValueSatisfying(c -> assertThat(c.state()).isEqualTo(WorkState.DONE));
    }

    @Test
    void aCrawlsSyncOfATagKeepsTheDigestOfThePushQueuedBeforeIt() {
        Tag pushed = Tag.of("pushed");
        Instant pushAt = Instant.now().minusSeconds(1);
        queue.enqueue(List.of(WorkRequest.tagPush(REPO, pushed, digest(1), pushAt, "notification")));
        queue.enqueue(List.of(WorkRequest.tagSync(REPO, pushed, Instant.now(), "reconcile")));

        WorkItem item = queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(item.digest())
                .as("the crawl, newer and without a digest, leaves the push's (the worker waits for its link)")
                .contains(digest(1));
        assertThat(item.source()).isEqualTo("reconcile");
        queue.complete(item, "w");

        Tag deleted = Tag.of("deleted");
        queue.enqueue(List.of(WorkRequest.tagDelete(REPO, deleted, pushAt, "notification")));
        queue.enqueue(List.of(WorkRequest.tagSync(REPO, deleted, Instant.now(), "reconcile")));
        assertThat(queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0))
                .satisfies(i -> assertThat(i.operation()).isEqualTo(WorkOperation.PUSH_MANIFEST))
                .satisfies(i -> assertThat(i.digest()).isEmpty());
    }

    @Test
    void transientFailuresAreRescheduledInTheTableUntilTheAttemptsRunOut() {
        queue.enqueue(List.of(blob(1)));
        WorkItem a1 = queue.claim("w", 1, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(queue.fail(a1, "w", "primary unreachable", false, 2, Duration.ofMinutes(5)))
                .contains(WorkState.PENDING);
        assertThat(queue.claim("w", 1, Duration.ofSeconds(30), BOUND))
                .as("not due for 5 minutes")
                .isEmpty();
        assertThat(DB.queryLong(
                        "SELECT count(*) FROM replication_work WHERE next_attempt_at > now() + interval '4 minutes'"))
                .isEqualTo(1);
        DB.execute("UPDATE replication_work SET next_attempt_at = now()");
        WorkItem a2 = queue.claim("w", 1, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(queue.fail(a2, "w", "primary unreachable again", false, 2, Duration.ofMillis(1)))
                .contains(WorkState.FAILED);
        assertThat(queue.failures(10)).singleElement().satisfies(f -> {
            assertThat(f.lastError()).isEqualTo("primary unreachable again");
            assertThat(f.attempts()).isEqualTo(2);
        });
    }

    @Test
    void aDeferredItemRunsAgainAfterItsDelayNeverFailsAndANewerRequestBringsItForward() {
        Tag v2 = Tag.of("deferred");
        queue.enqueue(List.of(WorkRequest.tagPush(REPO, v2, digest(1), Instant.now(), "test")));
        WorkItem first = queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0);

        assertThat(queue.defer(first, "w", "not linked yet", Duration.ofMinutes(5)))
                .isTrue();

        assertThat(queue.claim("w", 10, Duration.ofSeconds(30), BOUND))
                .as("not due for 5 minutes")
                .isEmpty();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'pending' AND attempts = 1"
                        + " AND last_error = 'not linked yet' AND next_attempt_at > now() + interval '4 minutes'"))
                .isEqualTo(1);
        assertThat(queue.defer(first, "w", "again", Duration.ZERO))
                .as("the lease is gone")
                .isFalse();

        queue.enqueue(List.of(WorkRequest.tagPush(REPO, v2, digest(2), Instant.now(), "test")));
        WorkItem again = queue.claim("w", 10, Duration.ofSeconds(30), BOUND).get(0);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.attempts())
                .as("a new request starts the attempts over")
                .isEqualTo(1);
        assertThat(queue.complete(again, "w"))
                .hasValueSatisfying(c -> assertThat(c.state()).isEqualTo(WorkState.DONE));
    }

    @Test
    void aClaimOfAProcessBoundToOtherPrimariesTakesNothingAndLocksNothing() {
        queue.enqueue(List.of(blob(1), blob(2)));
        PrimaryBinding other = new PrimaryBinding(Map.of(PrimarySource.SINGLE, "http://other.test:80"));
        PrimaryBinding more = new PrimaryBinding(
                Map.of(PrimarySource.SINGLE, "http://primary.test:80", "cell-2", "http://cell-2.test:80"));

        assertThat(queue.claim("elsewhere", 10, Duration.ofSeconds(30), other.fingerprint()))
                .as("another URL for the same name")
                .isEmpty();
        assertThat(queue.claim("elsewhere", 10, Duration.ofSeconds(30), more.fingerprint()))
                .as("a primary more than the database replicates")
                .isEmpty();
        assertThat(queue.depth().byState())
                .as("nothing was taken")
                .containsEntry(WorkState.PENDING, 2L)
                .containsEntry(WorkState.IN_PROGRESS, 0L);
        assertThat(queue.claim("w", 10, Duration.ofSeconds(30), BOUND)).hasSize(2);
    }

    @Test
    void permanentFailureFailsAtOnceAndRetryRequeuesIt() {
        queue.enqueue(List.of(
                blob(1), WorkRequest.blobPush(RepositoryName.of("other/repo"), digest(2), 1, Instant.now(), "test")));
        for (WorkItem item : queue.claim("w", 10, Duration.ofSeconds(30), BOUND)) {
            assertThat(queue.fail(item, "w", "not on the primary", true, 10, Duration.ZERO))
                    .contains(WorkState.FAILED);
        }
        assertThat(queue.retryFailed(Optional.of(REPO))).isEqualTo(1);
        assertThat(queue.depth().byState()).containsEntry(WorkState.FAILED, 1L).containsEntry(WorkState.PENDING, 1L);
        assertThat(queue.retryFailed(Optional.empty())).isEqualTo(1);
        assertThat(queue.claim("w", 10, Duration.ofSeconds(30), BOUND))
                .hasSize(2)
                .allSatisfy(i -> assertThat(i.attempts()).isEqualTo(1));
    }

    @Test
    void pruningRemovesOldEventsAndOldFinishedItemsButNeverFailedOrPendingOnes() {
        queue.enqueue(List.of(blob(1), blob(2), blob(3)));
        List<WorkItem> items = queue.claim("w", 3, Duration.ofSeconds(30), BOUND);
        queue.complete(items.get(0), "w");
        queue.fail(items.get(1), "w", "gone", true, 1, Duration.ZERO);
        queue.fail(items.get(2), "w", "later", false, 9, Duration.ZERO);
        DB.execute("INSERT INTO replication_event (event_id, event_at, action, repository, event) VALUES "
                + "('old', now(), 'pull', 'team/app', '{}'), ('new', now(), 'pull', 'team/app', '{}')");
        DB.execute("UPDATE replication_event SET received_at = now() - interval '8 days' WHERE event_id = 'old'");
        DB.execute(
                "UPDATE replication_work SET done_at = now() - interval '8 days', updated_at = now() - interval '8 days'");
        QueuePruner.Pruned pruned =
                new QueuePruner(database, new WorkQueue(database), RetentionConfig.defaults()).pruneOnce();
        assertThat(pruned.events()).isEqualTo(1);
        assertThat(pruned.doneItems()).isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work")).isEqualTo(2);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event WHERE event_id = 'new'"))
                .isEqualTo(1);
    }

    @Test
    void backoffGrowsExponentiallyWithJitterAndIsCapped() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        java.util.Random random = new java.util.Random(1);
        for (int attempt = 1; attempt <= 12; attempt++) {
            long base = Math.min(60_000, 1000L << (attempt - 1));
            Duration d = backoff.delay(attempt, random);
            assertThat(d.toMillis()).isBetween(base / 2, base);
        }
    }
}
