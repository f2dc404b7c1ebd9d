package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.ops.Closing;
import io.georeg.replica.ReplicaPrimaries;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.binding.PrimaryBinding;
import io.georeg.replicator.binding.PrimaryBindingGuard;
import io.georeg.replicator.cli.PrimariesCommand;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.testing.NotificationFixtures;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two sites' replicators on one tracking database, with two real distribution primaries: the
 * second site's replicator is refused (before, it started and split the first site's queue,
 * marking the items it took done with nothing stored), and a primary that really moved is adopted
 * with {@code georeg primaries --adopt}, after which the replicator of the old primary stops, and
 * the binding is marked catching up (the routers answer from the primary) until a full reconcile
 * pass of the new primary's replicator and its work have been applied.
 */
class PrimaryBindingIT {
    @RegisterExtension
    static final TestDatabase SHARED = new TestDatabase();

    @RegisterExtension
    static final TestDatabase MOVED = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void aSecondSitesReplicatorOnTheFirstSitesDatabaseIsRefusedAndLosesNothingOfTheFirst() throws Exception {
        try (TwoSites sites = new TwoSites(SHARED, temp)) {
            sites.siteA.start(sites.primaryA.url(), ReplicatorUnderTest.fastRetries(2));

            Optional<RuntimeException> refused = Optional.empty();
            try {
                sites.siteB.start(sites.primaryB.url(), ReplicatorUnderTest.fastRetries(8));
            } catch (RuntimeException e) {
                refused = Optional.of(e);
            }

            List<TestImage> pushed = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                TestImage image = TestImages.image(4000 + i);
                assertThat(sites.pushA.push("site-a/app", "v" + i, image).status())
                        .isEqualTo(201);
                pushed.add(image);
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> SHARED.queryLong(
                                            "SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')")
                                    == 0
                            && SHARED.queryLong("SELECT count(*) FROM replication_work WHERE kind = 'tag'"
                                            + " AND state IN ('done', 'failed')")
                                    >= pushed.size());

            List<String> lost = new ArrayList<>();
            for (int i = 0; i < pushed.size(); i++) {
                if (!storedWithContent(sites.siteA.reader(), "site-a/app", "v" + i, pushed.get(i))) {
                    lost.add("site-a/app:v" + i);
                }
            }
            assertThat(lost)
                    .as("tags of site A's primary marked done without their content in site A's replica")
                    .isEmpty();
            assertThat(refused)
                    .as("site B's replicator on site A's database")
                    .hasValueSatisfying(e -> assertThat(e.getMessage())
                            .contains("the tracking database " + SHARED.jdbcUrl())
                            .contains("replicates other primaries than this replicator is configured for")
                            .contains("primary 'primary': bound to " + ReplicaPrimaries.normalize(sites.primaryA.url()))
                            .contains("configured here as " + ReplicaPrimaries.normalize(sites.primaryB.url()))
                            .contains("Each site needs its own tracking database")
                            .contains("georeg primaries --adopt"));
        }
    }

    @Test
    void adoptingAMovedPrimaryStopsTheReplicatorOfTheOldOneAndLetsTheNewOneStart() throws Exception {
        try (TwoSites sites = new TwoSites(MOVED, temp)) {
            sites.siteA.start(sites.primaryA.url(), ReplicatorUnderTest.fastRetries(2));
            TestImage before = TestImages.image(5000);
            assertThat(sites.pushA.push("moved/app", "before", before).status()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> storedWithContent(sites.siteA.reader(), "moved/app", "before", before));
            assertThat(primaries(sites.primaryB.url(), false).code())
                    .as("georeg primaries with B's configuration: different")
                    .isEqualTo(PrimariesCommand.DIFFERENT);

            assertThat(catchingUp()).as("bound by A's first start: caught up").isZero();

            Run adopted = primaries(sites.primaryB.url(), true);

            assertThat(adopted.code()).isZero();
            assertThat(catchingUp())
                    .as("adopted to B: the tracking database still describes A, the routers must not serve from it")
                    .isEqualTo(1);
            assertThat(adopted.out())
                    .contains("primary: " + ReplicaPrimaries.normalize(sites.primaryA.url()) + " -> "
                            + ReplicaPrimaries.normalize(sites.primaryB.url()));
            assertThat(primaries(sites.primaryB.url(), false).code()).isZero();
            MOVED.execute("INSERT INTO replication_work (repository, kind, ref, operation, first_event_at,"
                    + " last_event_at) VALUES ('moved/app', 'tag', 'probe', 'push_manifest', now(), now())");
            String bindingOfA = new PrimaryBinding(
                            Map.of(PrimarySource.SINGLE, ReplicaPrimaries.normalize(sites.primaryA.url())))
                    .fingerprint();
            assertThat(sites.siteA.replicator().queue().claim("probe", 10, Duration.ofSeconds(30), bindingOfA))
                    .as("A's claim right after the adopt, before its next check")
                    .isEmpty();

            await().atMost(PrimaryBindingGuard.INTERVAL.plusSeconds(5))
                    .until(() -> !sites.siteA.replicator().bindingMatches());
            HttpResponse<String> refused = sites.siteA.post(NotificationFixtures.bytes("push-manifest-oci-tag.json"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("primary_binding_mismatch", "replicates other primaries");
            assertThat(sites.siteA.metrics()).contains("georeg_replication_primary_binding_mismatch 1.0");
            assertThat(queueState("probe")).as("A never took it").isEqualTo(WorkState.PENDING.column());
            // The due item A may not claim must not make its scheduler ask again at once, round after
            // round: over 3 s a scheduler that waits (a 1 s poll interval) commits a few claims; one
            // that spins commits thousands.
            long committedBefore = committedTransactions();
            Thread.sleep(3_000);
            assertThat(committedTransactions() - committedBefore)
                    .as("transactions committed in the tracking database in 3 s while A waits out the mismatch")
                    .isLessThan(300);

            sites.siteB.start(sites.primaryB.url(), ReplicatorUnderTest.fastRetries(2));
            TestImage after = TestImages.image(5001);
            assertThat(sites.pushB.push("moved/app", "after", after).status()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> storedWithContent(sites.siteB.reader(), "moved/app", "after", after));
            assertThat(catchingUp()).as("no full reconcile pass of B yet").isEqualTo(1);

            // A full pass of B, started after the adopt, and its work applied: B's replicator clears the mark.
            sites.siteB.replicator().reconciler().reconcileAll(List.of(), ReconcileProgress.NONE);
            await().atMost(PrimaryBindingGuard.INTERVAL.plusSeconds(30)).until(() -> catchingUp() == 0);
        }
    }

    /** Bound primaries marked catching up since an adopt (migration V22). */
    private static long catchingUp() {
        return MOVED.queryLong("SELECT count(*) FROM replica_primaries WHERE catching_up_since IS NOT NULL");
    }

    /**
     * Two sites on one tracking database, each with its own storage and its own distribution
     * primary notifying its intake: what a values file copied between sites makes.
     */
    private static final class TwoSites implements AutoCloseable {
        final ReplicatorUnderTest siteA;
        final ReplicatorUnderTest siteB;
        final Distribution primaryA;
        final Distribution primaryB;
        final RegistryHttp pushA;
        final RegistryHttp pushB;

        TwoSites(TestDatabase db, Path temp) throws Exception {
            siteA = new ReplicatorUnderTest(db, temp.resolve("a"));
            siteB = new ReplicatorUnderTest(db, temp.resolve("b"));
            primaryA = Distribution.notifying(
                    Files.createDirectories(temp.resolve("primary-a")), siteA.intakeUrl(), ReplicatorUnderTest.SECRET);
            primaryB = Distribution.notifying(
                    Files.createDirectories(temp.resolve("primary-b")), siteB.intakeUrl(), ReplicatorUnderTest.SECRET);
            pushA = new RegistryHttp(primaryA.url());
            pushB = new RegistryHttp(primaryB.url());
        }

        @Override
        public void close() throws Exception {
            Closing.closeAll(pushA, pushB, primaryA, primaryB, siteA, siteB);
        }
    }

    /**
     * Transactions committed in the tracking database so far, as PostgreSQL's statistics have them
     * (each backend reports at least once a second while it works).
     */
    private static long committedTransactions() {
        return MOVED.queryLong("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
    }

    private static String queueState(String ref) {
        return MOVED.queryText("SELECT state FROM replication_work WHERE ref = '" + ref + "'");
    }

    /** The tag points at the image's manifest and every blob of it is stored with its bytes. */
    private static boolean storedWithContent(ReplicaReader reader, String repo, String tag, TestImage image)
            throws Exception {
        RepositoryName repository = RepositoryName.of(repo);
        Optional<Digest> at =
                reader.manifest(repository, new Reference.ByTag(Tag.of(tag))).map(ReplicaReader.StoredManifest::digest);
        if (!at.equals(Optional.of(image.manifest().digest()))) {
            return false;
        }
        for (TestBlob blob : image.blobs()) {
            if (reader.blobSize(repository, blob.digest()).isEmpty()) {
                return false;
            }
            try (InputStream in = reader.openBlob(blob.digest(), 0, blob.content().length)) {
                if (!java.util.Arrays.equals(in.readAllBytes(), blob.content())) {
                    return false;
                }
            }
        }
        return true;
    }

    private record Run(int code, String out) {}

    /** {@code georeg primaries [--adopt]} with a configuration whose one primary is at {@code primary}. */
    private static Run primaries(URI primary, boolean adopt) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new PrimariesCommand(
                () -> new Database(DatabaseConfig.of(MOVED.jdbcUrl(), MOVED.user(), MOVED.password())).start(),
                () -> List.of(new PrimarySource(
                        PrimarySource.SINGLE,
                        IntakeConfig.withSecret(ReplicatorUnderTest.SECRET),
                        PrimaryConfig.anonymous(primary)))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int code = adopt ? cli.execute("--adopt") : cli.execute();
        return new Run(code, out.toString());
    }
}
