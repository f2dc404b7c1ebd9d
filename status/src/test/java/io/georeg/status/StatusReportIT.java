package io.georeg.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.NamespaceOwners;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code georeg status} over a seeded tracking database: queue rows in every state with known
 * event and completion times (so lag percentiles are exact), failures with reasons that differ
 * only by digest, and one stored image with a blob the verifier found bad.
 */
class StatusReportIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storageRoot;

    private static final String DIGEST_A = "sha256:" + "a".repeat(64);
    private static final String DIGEST_B = "sha256:" + "b".repeat(64);
    private static Database database;
    private static TestImage image;

    @BeforeAll
    static void seed() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        image = TestImages.image(7);
        SeededReplica.store(database, storageRoot, "team/app", "v1", image);
        DB.execute("UPDATE blobs SET verify_state = 'failed', verify_error = 'x' WHERE digest = '"
                + image.layers().get(0).digest() + "'");
        List<String> rows = new ArrayList<>();
        // pending: the oldest request is 10 minutes old
        rows.add(row("team/app", "tag:v2", "pending", "now() - interval '10 minutes'", "NULL", "NULL", "event"));
        rows.add(row("team/app", "tag:v3", "pending", "now() - interval '2 minutes'", "NULL", "NULL", "reconcile"));
        rows.add(row("team/web", "tag:v1", "in_progress", "now() - interval '1 minute'", "NULL", "NULL", "event"));
        // failed: two reasons that differ only by digest group together
        rows.add(row(
                "team/web",
                "digest:" + DIGEST_A,
                "failed",
                "now() - interval '1 hour'",
                "NULL",
                "'primary answered 500 for " + DIGEST_A + "'",
                "event"));
        rows.add(row(
                "team/web",
                "digest:" + DIGEST_B,
                "failed",
                "now() - interval '1 hour'",
                "NULL",
                "'primary answered 500 for " + DIGEST_B + "'",
                "event"));
        rows.add(row(
                "team/db",
                "tag:bad",
                "failed",
                "now() - interval '1 hour'",
                "NULL",
                "'manifest invalid: no layers'",
                "event"));
        // done within the window, lags 1..5 s; one done long ago (outside the window) with a 100 s lag
        for (int lag = 1; lag <= 5; lag++) {
            rows.add(row(
                    "team/app",
                    "tag:done" + lag,
                    "done",
                    "now() - interval '1 minute' - interval '" + lag + " seconds'",
                    "now() - interval '1 minute'",
                    "NULL",
                    "event"));
        }
        rows.add(row(
                "team/app",
                "tag:old",
                "done",
                "now() - interval '2 hours' - interval '100 seconds'",
                "now() - interval '2 hours'",
                "NULL",
                "event"));
        DB.execute("""
                INSERT INTO replication_work (repository, kind, ref, operation, digest, state, first_event_at,
                                              last_event_at, done_at, last_error, source, updated_at, enqueued_at)
                VALUES
                """ + String.join(",\n", rows));
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    private static String row(
            String repo, String kindRef, String state, String firstEvent, String doneAt, String error, String source) {
        String kind = kindRef.substring(0, kindRef.indexOf(':'));
        String ref = kindRef.substring(kindRef.indexOf(':') + 1);
        String operation = kind.equals("tag") ? "push_manifest" : "push_blob";
        return "('" + repo + "', '" + kind + "', '" + ref + "', '" + operation + "', '" + DIGEST_A + "', '" + state
                + "', " + firstEvent + ", " + firstEvent + ", " + doneAt + ", " + error + ", '" + source
                + "', now(), now())";
    }

    @Test
    void reportCountsTheQueueMeasuresLagInTheWindowAndGroupsFailures() {
        StatusReport report = new StatusQuery(database)
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.NONE, Optional.empty(), 100);

        assertThat(report.queue()).isEqualTo(new StatusReport.Queue(2, 1, 3, 6));
        assertThat(report.oldestPendingAge().orElseThrow()).isBetween(Duration.ofMinutes(10), Duration.ofMinutes(11));
        assertThat(report.lag().samples()).isEqualTo(5);
        assertThat(report.lag().p50Seconds().orElseThrow()).isCloseTo(3.0, within(1e-6));
        assertThat(report.lag().p99Seconds().orElseThrow()).isCloseTo(4.96, within(1e-6));
        long storedBytes = image.blobs().stream().mapToLong(TestBlob::size).sum()
                + image.manifest().size();
        assertThat(report.replicated()).isEqualTo(new StatusReport.Replicated(4, storedBytes));
        assertThat(report.lastReconcile().runsRecorded()).isFalse();
        assertThat(report.lastReconcile().lastQueuedWorkAt()).isPresent();
        assertThat(report.verification().blobs())
                .containsExactly(
                        java.util.Map.entry("unverified", 3L), java.util.Map.entry("ok", 0L),
                        java.util.Map.entry("failed", 1L), java.util.Map.entry("missing", 0L));
        assertThat(report.verification().manifests())
                .containsEntry("unverified", 1L)
                .containsEntry("failed", 0L);
        assertThat(report.failuresByReason())
                .extracting(StatusReport.FailureReason::reason, StatusReport.FailureReason::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("primary answered 500 for <digest>", 2L),
                        org.assertj.core.groups.Tuple.tuple("manifest invalid: no layers", 1L));
        assertThat(report.repositories()).isEmpty();
    }

    @Test
    void withSeveralPrimariesTheQueueAndRecoveryPointAreReportedPerPrimary() {
        NamespaceOwners owners =
                new NamespaceOwners(java.util.Map.of("team/app", "cell-a", "team/web", "cell-b"), null);
        StatusReport report = new StatusQuery(database, owners)
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.NONE, Optional.empty(), 100);

        assertThat(report.primaries())
                .extracting(StatusReport.PrimaryStatus::name)
                .containsExactly("cell-a", "cell-b", StatusQuery.NO_PRIMARY);
        StatusReport.PrimaryStatus a = report.primaries().get(0);
        assertThat(a.queue()).isEqualTo(new StatusReport.Queue(2, 0, 0, 6));
        assertThat(a.applied()).isEqualTo(5);
        assertThat(a.oldestPendingAge(report.generatedAt()).orElseThrow())
                .isBetween(Duration.ofMinutes(10), Duration.ofMinutes(11));
        StatusReport.PrimaryStatus b = report.primaries().get(1);
        assertThat(b.queue()).isEqualTo(new StatusReport.Queue(0, 1, 2, 0));
        assertThat(b.oldestPendingAge(report.generatedAt()).orElseThrow())
                .isBetween(Duration.ofMinutes(1), Duration.ofMinutes(2));
        assertThat(report.primaries().get(2).queue()).isEqualTo(new StatusReport.Queue(0, 0, 1, 0));

        assertThat(StatusTable.render(report, false)).contains("PRIMARY").containsPattern("cell-a +2 +0 +0 +6 +10m");
        JsonNode json = StatusJson.tree(report, false).path("primaries");
        assertThat(json.get(1).path("name").asText()).isEqualTo("cell-b");
        assertThat(json.get(1).path("queue").path("failed").asLong()).isEqualTo(2);
        assertThat(json.get(0).path("applied").asLong()).isEqualTo(5);

        assertThat(new StatusQuery(database)
                        .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.NONE, Optional.empty(), 100)
                        .primaries())
                .as("one primary: the summary is the primary's")
                .isEmpty();
    }

    @Test
    void lagIsEmptyWhenNothingWasAppliedInTheWindowButTheLongWindowSeesTheOldItem() {
        StatusReport recent = new StatusQuery(database)
                .read(Duration.ofSeconds(30), 10, StatusQuery.Repositories.NONE, Optional.empty(), 100);
        assertThat(recent.lag()).isEqualTo(new StatusReport.Lag(0, Optional.empty(), Optional.empty()));

        StatusReport day = new StatusQuery(database)
                .read(Duration.ofDays(1), 10, StatusQuery.Repositories.NONE, Optional.empty(), 100);
        assertThat(day.lag().samples()).isEqualTo(6);
        assertThat(day.lag().p50Seconds().orElseThrow()).isCloseTo(3.5, within(1e-6));
    }

    @Test
    void perRepositoryStateCombinesTheQueueWithStoredContent() {
        StatusReport all = new StatusQuery(database)
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.ALL, Optional.empty(), 100);
        assertThat(all.repositories())
                .extracting(StatusReport.RepositoryStatus::name)
                .containsExactly("team/app", "team/db", "team/web");
        StatusReport.RepositoryStatus app = all.repositories().get(0);
        assertThat(app.queue()).isEqualTo(new StatusReport.Queue(2, 0, 0, 6));
        assertThat(app.oldestPending()).isPresent();
        assertThat(app.lastAppliedAt()).isPresent();
        assertThat(app.manifests()).isEqualTo(1);
        assertThat(app.tags()).isEqualTo(1);
        assertThat(app.blobs()).isEqualTo(3);
        StatusReport.RepositoryStatus web = all.repositories().get(2);
        assertThat(web.queue()).isEqualTo(new StatusReport.Queue(0, 1, 2, 0));
        assertThat(web.manifests()).isZero();

        StatusReport one = new StatusQuery(database)
                .read(Duration.ofMinutes(15), 10, StatusQuery.Repositories.ONE, Optional.of("team/db"), 100);
        assertThat(one.repositories()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("team/db");
            assertThat(r.queue().failed()).isEqualTo(1);
        });
    }

    @Test
    void jsonHasTheDocumentedStableShape() throws Exception {
        String out = run("--json", "--repositories");
        JsonNode root = new ObjectMapper().readTree(out);

        assertThat(fieldNames(root))
                .containsExactly(
                        "generatedAt",
                        "windowSeconds",
                        "queue",
                        "oldestPending",
                        "lag",
                        "replicated",
                        "lastReconcile",
                        "verification",
                        "failuresByReason",
                        "outageShield",
                        "routers",
                        "primaries",
                        "repositories");
        assertThat(root.get("windowSeconds").asLong()).isEqualTo(900);
        assertThat(fieldNames(root.get("queue"))).containsExactly("pending", "inProgress", "failed", "done");
        assertThat(root.at("/queue/failed").asLong()).isEqualTo(3);
        assertThat(fieldNames(root.get("oldestPending"))).containsExactly("since", "ageSeconds");
        assertThat(root.at("/oldestPending/ageSeconds").asDouble()).isBetween(600.0, 660.0);
        assertThat(fieldNames(root.get("lag"))).containsExactly("samples", "p50Seconds", "p99Seconds");
        assertThat(root.at("/lag/p99Seconds").asDouble()).isCloseTo(4.96, within(1e-6));
        assertThat(fieldNames(root.get("replicated"))).containsExactly("blobs", "bytes");
        assertThat(fieldNames(root.get("lastReconcile")))
                .containsExactly(
                        "runsRecorded",
                        "lastQueuedWorkAt",
                        "startedAt",
                        "finishedAt",
                        "fullPass",
                        "repositories",
                        "tagsChecked",
                        "queued",
                        "errors");
        assertThat(fieldNames(root.at("/verification/blobs"))).containsExactly("unverified", "ok", "failed", "missing");
        assertThat(root.at("/verification/blobs/failed").asLong()).isEqualTo(1);
        assertThat(fieldNames(root.at("/failuresByReason/0"))).containsExactly("reason", "count", "lastFailedAt");
        assertThat(root.at("/failuresByReason/0/count").asLong()).isEqualTo(2);
        assertThat(root.get("repositories")).hasSize(3);
        assertThat(fieldNames(root.at("/repositories/0")))
                .containsExactly(
                        "name",
                        "queue",
                        "oldestPendingSince",
                        "lastAppliedAt",
                        "manifests",
                        "tags",
                        "blobs",
                        "manifestsNotOk");

        JsonNode plain = new ObjectMapper().readTree(run("--json"));
        assertThat(plain.has("repositories")).as("only on request").isFalse();
    }

    @Test
    void tableShowsEverySectionForPeople() {
        String out = run("--repository", "team/web");

        assertThat(out).contains("georeg replication status at ");
        assertThat(out).containsPattern("QUEUE\\s+PENDING\\s+IN PROGRESS\\s+FAILED\\s+DONE\\n\\s+2\\s+1\\s+3\\s+6\\n");
        assertThat(out).containsPattern("oldest pending\\s+10m( \\d+s)? \\(since ");
        assertThat(out).contains("p50 3.00s  p99 4.96s  (5 items)");
        assertThat(out).containsPattern("replicated \\(last 15m\\)\\s+4 blobs, \\d+\\.\\d KiB");
        assertThat(out).containsPattern("last reconcile\\s+never recorded \\(reconcile last queued work at ");
        assertThat(out).containsPattern("verified blobs\\s+3 unverified, 0 ok, 1 failed, 0 missing");
        assertThat(out).containsPattern("\\n2\\s+\\S+\\s+primary answered 500 for <digest>\\n");
        assertThat(out).containsPattern("REPOSITORY\\s+PENDING.*\\nteam/web\\s+0\\s+1\\s+2\\s+0\\s+");
        assertThat(out).doesNotContain("team/app  ");
    }

    @Test
    void outageShieldShowsEveryRouterThatReportedRecentlyArmedOrNotAndWhetherItIsInUse() throws Exception {
        DB.execute("""
                INSERT INTO outage_shield_reports (router, site_key_loaded, in_use, grants, reported_at) VALUES
                  ('router-a:8080', true, false, 14, now() - interval '5 seconds'),
                  ('router-b:8080', true, true, 14, now() - interval '2 seconds'),
                  ('router-c:8080', false, false, 0, now()),
                  ('router-gone:8080', true, true, 9, now() - interval '10 minutes')
                """);
        try {
            JsonNode shield = new ObjectMapper().readTree(run("--json")).get("outageShield");
            assertThat(fieldNames(shield)).containsExactly("armed", "inUse", "routers");
            assertThat(shield.get("armed").asBoolean()).isTrue();
            assertThat(shield.get("inUse").asBoolean()).isTrue();
            assertThat(shield.get("routers"))
                    .as("a router that stopped reporting is not counted")
                    .hasSize(3);
            assertThat(fieldNames(shield.at("/routers/0")))
                    .containsExactly("router", "armed", "siteKeyLoaded", "inUse", "grants", "reportedAt");
            assertThat(shield.at("/routers/0/router").asText()).isEqualTo("router-a:8080");
            assertThat(shield.at("/routers/0/grants").asLong()).isEqualTo(14);
            assertThat(shield.at("/routers/2/armed").asBoolean())
                    .as("no site key: never armed")
                    .isFalse();

            String table = run();
            assertThat(table)
                    .containsPattern(
                            "outage shield\\s+armed on 2 of 3 router\\(s\\), IN USE on 1 \\(answering token requests itself\\)");
            assertThat(table)
                    .containsPattern("router-c:8080\\s+not armed: site key not loaded, 0 grant\\(s\\); not in use");
            assertThat(table).doesNotContain("router-gone");
        } finally {
            DB.execute("DELETE FROM outage_shield_reports");
        }
        assertThat(run()).containsPattern("outage shield\\s+no router reports one");
        JsonNode none = new ObjectMapper().readTree(run("--json")).get("outageShield");
        assertThat(none.get("armed").asBoolean()).isFalse();
        assertThat(none.get("routers")).isEmpty();
    }

    @Test
    void routersSharedAdminStateAndTheReplicasBindingAreShownAsTheDatabaseHoldsThem() throws Exception {
        assertThat(run())
                .containsPattern("routers\\s+mode normal, primary as configured \\(router.primaryUrl\\), since ")
                .containsPattern("replica bound to\\s+no primary yet");
        DB.execute("""
                UPDATE router_admin_state SET mode = 'frozen', reason = 'promotion to http://registry-b:5000',
                  primary_url = 'http://registry-b:5000', updated_at = '2026-01-01T10:00:00Z';
                INSERT INTO replica_primaries (name, url, bound_at, bound_by, catching_up_since) VALUES
                  ('default', 'http://registry-b:5000', '2026-01-01T10:05:00Z', 'test', '2026-01-01T10:05:00Z'),
                  ('cell-2', 'http://registry-c:5000', '2025-12-01T00:00:00Z', 'test', NULL)
                """);
        try {
            JsonNode routers = new ObjectMapper().readTree(run("--json")).get("routers");
            assertThat(fieldNames(routers))
                    .containsExactly("mode", "reason", "primaryUrl", "since", "replicaPrimaries");
            assertThat(routers.get("mode").asText()).isEqualTo("frozen");
            assertThat(routers.get("primaryUrl").asText()).isEqualTo("http://registry-b:5000");
            assertThat(routers.get("since").asText()).isEqualTo("2026-01-01T10:00:00Z");
            assertThat(fieldNames(routers.at("/replicaPrimaries/0")))
                    .containsExactly("name", "url", "boundAt", "caughtUp", "catchingUpSince");
            assertThat(routers.at("/replicaPrimaries/0/name").asText()).isEqualTo("cell-2");
            assertThat(routers.at("/replicaPrimaries/0/caughtUp").asBoolean()).isTrue();
            assertThat(routers.at("/replicaPrimaries/0/catchingUpSince").isNull())
                    .isTrue();
            assertThat(routers.at("/replicaPrimaries/1/caughtUp").asBoolean()).isFalse();
            assertThat(routers.at("/replicaPrimaries/1/catchingUpSince").asText())
                    .isEqualTo("2026-01-01T10:05:00Z");

            assertThat(run())
                    .contains("mode frozen (promotion to http://registry-b:5000), primary switched to "
                            + "http://registry-b:5000, since 2026-01-01T10:00:00Z")
                    .containsPattern("replica bound to default\\s+http://registry-b:5000: CATCHING UP since "
                            + "2026-01-01T10:05:00Z \\(bound 2026-01-01T10:05:00Z\\)")
                    .containsPattern("replica bound to cell-2\\s+http://registry-c:5000: caught up");
        } finally {
            DB.execute("DELETE FROM replica_primaries; UPDATE router_admin_state SET mode = 'normal', reason = '',"
                    + " primary_url = NULL");
        }
    }

    @Test
    void failOnLagExitsOneOnlyWhenTheOldestPendingChangeIsOlderThanTheLimit() {
        // The oldest pending change of the fixture is 10 minutes old.
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new StatusCommand(StatusReportIT::config));
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("--json", "--fail-on-lag", "PT5M")).isEqualTo(1);
        assertThat(out.toString()).contains("\"oldestPending\"");

        assertThat(new CommandLine(new StatusCommand(StatusReportIT::config))
                        .setOut(new PrintWriter(new StringWriter()))
                        .execute("--fail-on-lag", "PT1H"))
                .isZero();
    }

    @Test
    void bothRepositoryOptionsAtOnceIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StatusCommand(StatusReportIT::config));
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("--repository", "a/b", "--repositories")).isEqualTo(2);
        assertThat(err.toString()).contains("either --repository NAME or --repositories");
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new StatusCommand(StatusReportIT::config));
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    private static DatabaseConfig config() {
        return DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
