package io.georeg.app.e2e;

import static io.georeg.app.e2e.TwoSites.PASSWORD;
import static io.georeg.app.e2e.TwoSites.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code georeg drill} and {@code georeg promote} run as the CLI runs them, against the real
 * two sites of {@link TwoSites} (front and replicator in two processes, so that replication can
 * stop alone; outage tokens on): a drill of a healthy secondary passes with an empty RPO; a drill
 * of a secondary whose replicator is stopped lists the unreplicated image with its age and fails
 * its pre-check; a drill that switches a router whose tracking database stalls (a second router,
 * its connections to PostgreSQL through a {@link TcpRelay}) finishes without waiting on it, warns of
 * that router's unstored switches and exits 3, and the router ends in normal mode, stored, once
 * the database answers; a drill observing a real outage of the primary and its token service pulls with
 * the tokens its fresh clients get then (outage tokens); a promotion to a stock distribution
 * started on the replica's
 * storage keeps every image pullable through the router and sends pushes to the new primary; and
 * once the replicator is stopped (the runbook's step 3) a tag pushed again and a tag deleted
 * through the router are pulled as the new primary has them after their fences ended, not as the
 * tracking database kept them; that stays so once {@code router.primaryUrl} names the new primary
 * and the front is rolled (the tracking database still replicates the old one), until
 * {@code georeg primaries --adopt}, the new primary's replicator and a reconcile caught the replica
 * up, when the replica answers again. A promotion to a new primary that does not answer fails its
 * pre-check and freezes nothing; a forced one whose final reconcile failed switches the routers and
 * exits 4.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String ACCEPT =
            "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
                    + "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final String ADMIN_TOKEN = "failover-admin-token-0123456789abcdef";

    static TwoSites sites;
    static Skopeo skopeo;
    /** Every image pushed, reference → manifest digest. */
    static final Map<String, Digest> pushed = new LinkedHashMap<>();

    @BeforeAll
    static void startSitesAndReplicateTwoImages() throws Exception {
        skopeo = Skopeo.require();
        // Outage tokens: the drills' fresh clients fetch their tokens during the (real or rehearsed) outage.
        Path siteKey =
                Files.writeString(tmp.resolve("site-key.pem"), TestSiteKey.ec().privatePem());
        sites = new TwoSites(
                DB,
                tmp,
                TwoSites.Shape.FRONT_AND_REPLICATOR,
                Map.of(
                        "GEOREG_ROUTER_ADMIN_TOKEN",
                        ADMIN_TOKEN,
                        "GEOREG_ROUTER_ADMIN_POLL_INTERVAL",
                        "200ms",
                        "GEOREG_AUTH_OUTAGE_ISSUER",
                        "failover-site-b",
                        "GEOREG_AUTH_OUTAGE_SIGNING_KEY_FILE",
                        siteKey.toString(),
                        // A read-your-writes fence ends within a case (24 h by default): what the
                        // router serves once it has ended is what the promotion case looks at.
                        "GEOREG_ROUTER_FENCE_TTL",
                        "3s"));
        pushed.put("team/api:1.0", push(TestImages.image(701), "team/api:1.0", sites.routerHostPort()));
        pushed.put("team/web:2.0", push(TestImages.image(702), "team/web:2.0", sites.routerHostPort()));
        pushed.forEach(FailoverIT::awaitReplicated);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sites != null) {
            sites.close();
        }
        if (promoted != null) {
            promoted.close();
        }
    }

    @Test
    @Order(1)
    void drillOfAHealthySecondaryPassesEveryCheckWithAnEmptyRpoAndRestoresTheRouter() throws Exception {
        Path reports = tmp.resolve("drill-healthy");

        // The token from a file, as a pipeline mounts it (not on the command line, where ps shows it).
        Path tokenFile = Files.writeString(tmp.resolve("admin-token"), ADMIN_TOKEN + "\n");
        Path credentialsFile = Files.writeString(tmp.resolve("pull-credentials"), USER + ":" + PASSWORD + "\n");
        int exit = georeg(
                "drill",
                "--router",
                sites.routerOperator().toString(),
                "--admin-token-file",
                tokenFile.toString(),
                "--sample",
                "2",
                "--credentials-file",
                credentialsFile.toString(),
                "--report",
                reports.toString());

        JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
        assertThat(exit).as(report.toPrettyString()).isZero();
        assertThat(report.path("passed").asBoolean()).isTrue();
        assertThat(checkNames(report))
                .containsExactly(
                        "precheck-lag",
                        "precheck-pending",
                        "precheck-failed",
                        "switch",
                        "serve-sample",
                        "push-refused",
                        "restore");
        report.path("checks")
                .forEach(c -> assertThat(c.path("passed").asBoolean())
                        .as(c.toString())
                        .isTrue());
        assertThat(report.path("rpo").path("unreplicated").asInt()).isZero();
        assertThat(report.path("timingsMillis").has("time to serve (switch to first complete pull)"))
                .isTrue();
        // Each step was shown as it started and ended, with its time, and is in the report.
        assertThat(stepNames(report))
                .containsExactly("precheck", "rpo", "sample", "switch", "serve-sample", "push-refused", "restore");
        for (String step : stepNames(report)) {
            assertThat(lastOutput)
                    .containsPattern("drill \\d\\d:\\d\\d:\\d\\dZ  start  " + step + " ")
                    .containsPattern("drill \\d\\d:\\d\\d:\\d\\dZ  pass   " + step + " +\\d+ ms");
        }
        assertThat(report.path("timingsMillis").has("sample pull p99")).isTrue();
        assertThat(Files.readString(reports.resolve("drill-report.md")))
                .contains("PASSED")
                .contains("Nothing: every change");
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
    }

    /**
     * {@code router.admin.storeTimeout} and {@code database.connectionTimeout} of the router whose
     * database stalls: below the defaults (2 s, 5 s) so that the case stays short; with the defaults
     * a switch answers within the drill's wait too ({@code RouterAdminDatabaseStallIT}).
     */
    private static final Duration STALLED_STORE_TIMEOUT = Duration.ofMillis(500);

    private static final Duration STALLED_CONNECTION_TIMEOUT = Duration.ofSeconds(1);
    /**
     * The longest a switch of that router may take: the wait for a pooled connection and the check
     * of one that sat idle (each within {@code database.connectionTimeout}), then the store's call and
     * the half second by which its network timeout follows the statement timeout
     * ({@code DatabaseAdminStateStore}); plus 1.5 s for a loaded machine (the steps took 1.0 to 1.1 s
     * at a load of 10 on 2 cores). Well under the 10 s the drill waits for a router's answer, which
     * is what a switch that waits on the database would take, and below the 5 s HikariCP's check of a
     * silent connection took before it was bounded by {@code database.connectionTimeout}.
     */
    private static final Duration STALLED_SWITCH_BOUND = STALLED_CONNECTION_TIMEOUT
            .multipliedBy(2)
            .plus(STALLED_STORE_TIMEOUT)
            .plus(Duration.ofMillis(500))
            .plus(Duration.ofMillis(1500));

    /**
     * A site of two routers on one tracking database, as a rolling upgrade has them (tried first with
     * a router of the release before as the first one, whose restore ignores the precondition, then
     * with two of this release): the restore through the first stores {@code normal}, the second
     * refuses the drill's restore over its {@code primary-down} (409) and the drill counts the
     * switch made through the first by reading the second. The second router's admin poll is slow
     * here (a minute), so it has not read the store by then: before the fix it still answered
     * {@code primary-down} and the drill failed its restore ("reports mode primary-down").
     */
    @Test
    @Order(2)
    void drillOfTwoRoutersSharingTheirStateRestoresBothThroughTheFirst() throws Exception {
        Map<String, String> env = new HashMap<>(sites.environment());
        env.put("GEOREG_ROUTER_REPLICA_URL", sites.replica().toString());
        env.put("GEOREG_ROUTER_ADMIN_POLL_INTERVAL", "1m");
        try (GeoregServer second = TestServe.start(env, "router")) {
            URI secondOperator = second.component(RouterComponent.class).operatorUri();
            Path reports = tmp.resolve("drill-two-routers");

            int exit = drill(
                    reports,
                    "--router",
                    sites.routerOperator().toString(),
                    "--router",
                    secondOperator.toString(),
                    "--registry",
                    sites.router().toString());

            JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isZero();
            assertThat(adminMode(secondOperator).path("mode").asText()).isEqualTo("normal");
            assertThat(DB.queryText("SELECT mode FROM router_admin_state")).isEqualTo("normal");
        }
    }

    @Test
    @Order(2)
    void drillWhileOneRoutersDatabaseStallsPassesWarnsOfThatRouterExitsThreeAndTheRouterEndsStoredInNormalMode()
            throws Exception {
        // A second router of site B whose connections to the tracking database go through a relay
        // (a router cut off from the database while the rest of the site reaches it); its reads go to
        // the front's registry-read, which reaches the database.
        Map<String, String> env = new HashMap<>(sites.environment());
        env.put("GEOREG_ROUTER_REPLICA_URL", sites.replica().toString());
        env.put("GEOREG_ROUTER_ADMIN_STORE_TIMEOUT", STALLED_STORE_TIMEOUT.toMillis() + "ms");
        env.put("GEOREG_DATABASE_CONNECTION_TIMEOUT", STALLED_CONNECTION_TIMEOUT.toMillis() + "ms");
        try (TcpRelay relay = TcpRelay.to(DB.host(), DB.port())) {
            env.put("GEOREG_DATABASE_URL", DB.jdbcUrlThrough(relay.port()));
            try (GeoregServer cutOff = TestServe.start(env, "router")) {
                drillWhileTheDatabaseStallsFor(
                        cutOff.component(RouterComponent.class).operatorUri(), relay);
            }
        }
    }

    private void drillWhileTheDatabaseStallsFor(URI stalled, TcpRelay relay) throws Exception {
        Path reports = tmp.resolve("drill-stalled");
        int exit;
        Duration took;
        relay.stall();
        try {
            long started = System.nanoTime();
            // Pulls and the push check through the front only: clients of the cut-off router would
            // get outage tokens from grants in the database it cannot reach.
            exit = drill(
                    reports,
                    "--router",
                    sites.routerOperator().toString(),
                    "--router",
                    stalled.toString(),
                    "--registry",
                    sites.router().toString());
            took = Duration.ofNanos(System.nanoTime() - started);
            // Still stalled: the switches were answered without the database.
            assertThat(adminMode(stalled).path("stored").asBoolean(true)).isFalse();
        } finally {
            relay.release();
        }

        JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
        report.path("checks")
                .forEach(c -> assertThat(c.path("passed").asBoolean())
                        .as(c.toString())
                        .isTrue());
        assertThat(exit)
                .as("every check passed, a switch was not stored: " + report.toPrettyString())
                .isEqualTo(3);
        for (JsonNode step : report.path("steps")) {
            if (List.of("switch", "restore").contains(step.path("name").asText())) {
                assertThat(Duration.ofMillis(step.path("millis").asLong()))
                        .as("the %s step, one switch of the stalled router in it", step.path("name"))
                        .isLessThan(STALLED_SWITCH_BOUND);
            }
        }
        System.out.println("drill with a stalled router took " + took.toMillis() + " ms");
        // Two stalled switches within their bound, and the rest of a drill (about a second here).
        assertThat(took).isLessThan(STALLED_SWITCH_BOUND.multipliedBy(2).plusSeconds(5));
        // One WARN line per switch not stored, naming the cut-off router, none for the front.
        String notStored = Pattern.quote(stalled.toString()) + " switched but NOT stored";
        for (String step : List.of("switch", "restore")) {
            assertThat(lastOutput).containsPattern("drill \\d\\d:\\d\\d:\\d\\dZ  WARN   " + step + " +" + notStored);
        }
        assertThat(lastOutput)
                .doesNotContain(sites.routerOperator() + " switched but NOT stored")
                .contains("drill PASSED, 2 router switch(es) NOT STORED (exit 3)");
        assertThat(report.path("warnings")).hasSize(2);
        report.path("warnings").forEach(w -> assertThat(w.asText()).containsPattern("^" + notStored));
        assertThat(Files.readString(reports.resolve("drill-report.md")))
                .contains("## Warnings")
                .containsPattern("- " + notStored);

        // The database answers again: the cut-off router ends stored in normal mode, as the database
        // (the front's restore, stored meanwhile, wins over the router's unstored switches).
        await().atMost(Duration.ofSeconds(10))
                .until(() -> adminMode(stalled).path("stored").asBoolean(false));
        assertThat(adminMode(stalled).path("mode").asText()).isEqualTo("normal");
        assertThat(DB.queryText("SELECT mode FROM router_admin_state")).isEqualTo("normal");
        assertThat(DB.queryText("SELECT reason FROM router_admin_state")).isEqualTo("georeg drill finished");
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
    }

    @Test
    @Order(3)
    void drillOfALaggingSecondaryListsTheUnreplicatedImageWithItsAgeAndFailsItsPreCheck() throws Exception {
        sites.stopReplicator();
        try {
            drillWhileTheReplicatorIsStopped();
        } finally {
            // Replication resumes (also after a failed check, so that the later tests do not fail with
            // it): the queued item and the re-sent notifications are applied.
            sites.replicator = sites.start("replicator");
        }
        awaitReplicated("team/lagging:3.0", pushed.get("team/lagging:3.0"));
    }

    private void drillWhileTheReplicatorIsStopped() throws Exception {
        // Straight to the primary while nothing replicates; reconcile (without --wait) queues it, as
        // the replicator's intake would have: the tracking database knows it is missing.
        Digest lagging = push(TestImages.image(703), "team/lagging:3.0", sites.primary.hostPort());
        pushed.put("team/lagging:3.0", lagging);
        assertThat(georeg("reconcile", "--repository", "team/lagging")).isZero();
        Path reports = tmp.resolve("drill-lagging");

        // No token option: the configuration's router.admin.token (GEOREG_ROUTER_ADMIN_TOKEN here).
        int exit = drill(reports, "--router", sites.routerOperator().toString(), "--max-pending", "0");

        JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
        assertThat(exit).isEqualTo(1);
        assertThat(report.path("passed").asBoolean()).isFalse();
        assertThat(check(report, "precheck-pending").path("passed").asBoolean()).isFalse();
        assertThat(check(report, "serve-sample").path("passed").asBoolean()).isTrue();
        assertThat(check(report, "restore").path("passed").asBoolean()).isTrue();
        assertThat(report.path("rpo").path("unreplicated").asInt()).isEqualTo(1);
        JsonNode item = report.path("rpo").path("items").get(0);
        assertThat(item.path("repository").asText()).isEqualTo("team/lagging");
        assertThat(item.path("ref").asText()).isEqualTo("3.0");
        assertThat(item.path("state").asText()).isEqualTo("pending");
        assertThat(item.has("ageSeconds")).isTrue();
        assertThat(item.path("ageSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(Files.readString(reports.resolve("drill-report.md")))
                .contains("FAILED")
                .contains("team/lagging")
                .contains("1 change(s) not replicated");
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
    }

    @Test
    @Order(4)
    void drillObservingARealOutageOfThePrimaryAndItsTokenServicePullsWithTokensFetchedDuringTheOutage()
            throws Exception {
        // The drill's credentials pulled every image through the router before the outage (team/lagging
        // was pushed to the primary directly): the router learned what the primary grants them.
        for (String reference : pushed.keySet()) {
            String repository = reference.substring(0, reference.indexOf(':'));
            HttpResponse<String> t = HTTP.send(
                    HttpRequest.newBuilder(sites.router()
                                    .resolve("/jwt/auth?service=" + sites.issuer.service() + "&scope=repository:"
                                            + repository + ":pull"))
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + java.util.Base64.getEncoder()
                                                    .encodeToString((USER + ":" + PASSWORD)
                                                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
        }
        sites.primary.stop();
        sites.tokens.stop();
        try {
            // What the drill checks: the router's own probes (not a drill's forced circuit) found it down.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !adminMode().path("primaryProbedReachable").asBoolean(true));
            double issued = MetricsScrape.sum(
                    HTTP, sites.routerOperator().resolve("/metrics"), "georeg_router_outage_tokens_issued_total");
            Path reports = tmp.resolve("drill-observed");

            int exit = drill(
                    reports,
                    "--router",
                    sites.routerOperator().toString(),
                    "--admin-token",
                    ADMIN_TOKEN,
                    "--observe-outage");

            JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isZero();
            assertThat(checkNames(report)).contains("outage-observed", "serve-sample", "push-refused");
            assertThat(check(report, "serve-sample").path("passed").asBoolean()).isTrue();
            // The drill's clients held no token: they got the router's outage tokens.
            assertThat(MetricsScrape.sum(
                            HTTP,
                            sites.routerOperator().resolve("/metrics"),
                            "georeg_router_outage_tokens_issued_total"))
                    .isGreaterThan(issued);
        } finally {
            sites.tokens.restart();
            sites.primary.restart();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "closed".equals(adminMode().path("primaryCircuit").asText()));
    }

    @Test
    @Order(5)
    void drillGivenTheRoutersPublicUrlSaysItIsNoOperatorListenerRatherThanAskForAToken() throws Exception {
        Path reports = tmp.resolve("drill-public-url");

        // The mistake the runbook warns of: the URL clients use, not the operator listener.
        int exit = drill(reports, "--router", sites.router().toString());

        JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
        assertThat(exit).isEqualTo(1);
        assertThat(check(report, "switch").path("detail").asText())
                .contains("not a router's operator listener")
                .doesNotContain("set router.admin.token");
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
    }

    @Test
    @Order(6)
    void promotionGivenTheRoutersPublicUrlWritesItsReportAndFreezesNothing() throws Exception {
        Path reports = tmp.resolve("promote-public-url");
        String reasonBefore = adminMode().path("reason").asText();

        int exit = promote(reports, "--router", sites.router().toString(), "--new-primary", "http://127.0.0.1:1");

        // The report is written, as for every other failed check: a pipeline keeps it.
        JsonNode report = JSON.readTree(reports.resolve("promote-report.json").toFile());
        assertThat(exit).isEqualTo(1);
        assertThat(stepNames(report)).containsExactly("precheck");
        assertThat(check(report, "precheck").path("detail").asText()).contains("not a router's operator listener");
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
        assertThat(adminMode().path("reason").asText()).isEqualTo(reasonBefore);
    }

    @Test
    @Order(7)
    void promotionToAUrlThatIsNoOriginIsRefusedBeforeAnyRouterIsFrozen() throws Exception {
        Path reports = tmp.resolve("promote-no-origin");
        String reasonBefore = adminMode().path("reason").asText();

        // A host and port without the scheme: the routers refuse it as a primary.
        int exit = promote(reports, "--router", sites.routerOperator().toString(), "--new-primary", "registry-b:5000");

        assertThat(exit).as(lastOutput).isEqualTo(2);
        assertThat(lastOutput).contains("--new-primary must be an http(s) origin");
        assertThat(reports.resolve("promote-report.json")).doesNotExist();
        assertThat(adminMode().path("reason").asText()).isEqualTo(reasonBefore);
        assertThat(adminMode().path("primaryUrl").asText())
                .isEqualTo(adminMode().path("configuredPrimaryUrl").asText());
    }

    @Test
    @Order(8)
    void promotionToANewPrimaryWrittenWithATrailingSlashPassesAndRunningItAgainChangesNothing() throws Exception {
        Distribution second = newPrimaryOnTheReplicasStorage("second");
        try {
            // As a URL is often written; the routers keep it without the slash.
            Path reports = tmp.resolve("promote-slash");
            int exit = promote(
                    reports, "--router", sites.routerOperator().toString(), "--new-primary", second.url() + "/");

            JsonNode report =
                    JSON.readTree(reports.resolve("promote-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isZero();
            assertThat(check(report, "switch-primary").path("passed").asBoolean())
                    .isTrue();
            assertThat(adminMode().path("primaryUrl").asText())
                    .isEqualTo(second.url().toString());

            // Run again (a retried pipeline, an operator unsure it worked): refused before anything
            // changes, instead of freezing writes to reconcile the configured old primary once more.
            String reasonBefore = adminMode().path("reason").asText();
            Path again = tmp.resolve("promote-again");
            exit = promote(
                    again,
                    "--router",
                    sites.routerOperator().toString(),
                    "--new-primary",
                    second.url().toString());

            report = JSON.readTree(again.resolve("promote-report.json").toFile());
            assertThat(exit).isEqualTo(1);
            assertThat(stepNames(report)).containsExactly("precheck");
            assertThat(check(report, "precheck").path("detail").asText())
                    .contains("already sends writes to " + second.url());
            assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
            assertThat(adminMode().path("reason").asText()).isEqualTo(reasonBefore);
        } finally {
            // Roll back as the runbook says, for the promotion below: the configured primary again.
            HttpResponse<String> back = HTTP.send(
                    HttpRequest.newBuilder(sites.routerOperator().resolve("/-/admin/primary"))
                            .header("Authorization", "Bearer " + ADMIN_TOKEN)
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"url\":null}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            second.close();
        }
        assertThat(adminMode().path("primaryUrl").asText())
                .isEqualTo(adminMode().path("configuredPrimaryUrl").asText());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "closed".equals(adminMode().path("primaryCircuit").asText()));
    }

    @Test
    @Order(9)
    void drillAndPromotionWhileARouterIsFrozenByAnotherPromotionChangeNothingAndLeaveItFrozen() throws Exception {
        // A promotion's freeze, as it stands while that promotion drains, reconciles and verifies.
        String frozenFor = "promotion to http://registry-b.internal:5000";
        setMode("frozen", frozenFor);
        try {
            Path reports = tmp.resolve("drill-while-frozen");
            int exit = drill(reports, "--router", sites.routerOperator().toString());

            // Had it switched, its restore to normal would have unfrozen writes in the middle of the
            // promotion: pushes accepted by the old primary after the final reconcile, then lost.
            JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isEqualTo(1);
            assertThat(check(report, "switch").path("detail").asText())
                    .contains("is in mode frozen (" + frozenFor + ")");
            assertThat(stepNames(report)).doesNotContain("serve-sample", "restore");
            assertThat(adminMode().path("mode").asText()).isEqualTo("frozen");
            assertThat(adminMode().path("reason").asText()).isEqualTo(frozenFor);

            // Nor does a second promotion start over the first one (its unfreeze would end the first's freeze).
            Path promoted = tmp.resolve("promote-while-frozen");
            exit = promote(
                    promoted, "--router", sites.routerOperator().toString(), "--new-primary", "http://127.0.0.1:1");

            report = JSON.readTree(promoted.resolve("promote-report.json").toFile());
            assertThat(exit).isEqualTo(1);
            assertThat(stepNames(report)).containsExactly("precheck");
            assertThat(check(report, "precheck").path("detail").asText()).contains("is in mode frozen");
            assertThat(adminMode().path("mode").asText()).isEqualTo("frozen");
            assertThat(adminMode().path("reason").asText()).isEqualTo(frozenFor);
        } finally {
            setMode("normal", "the other promotion finished");
        }
    }

    @Test
    @Order(10)
    void drillWhoseRouterWasFrozenByAPromotionMeanwhileDoesNotUnfreezeItOnRestoreAndFails() throws Exception {
        Path reports = tmp.resolve("drill-overtaken");
        String frozenFor = "promotion to http://registry-b.internal:5000";
        // Where the drill pulls: a listener that takes connections and never answers, so that the
        // drill is still pulling, its router in primary-down, when the promotion freezes it.
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept());
                }
            } catch (java.io.IOException closed) {
                // The promotion has frozen the router: the drill's pulls may fail now.
            }
        });
        var drill = java.util.concurrent.CompletableFuture.supplyAsync(() -> drill(
                reports,
                "--router",
                sites.routerOperator().toString(),
                "--registry",
                "http://127.0.0.1:" + silent.getLocalPort()));
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> "primary-down".equals(adminMode().path("mode").asText()) || drill.isDone());
            assertThat(drill.isDone()).as(lastOutput).isFalse();

            // A promotion (run by another operator) freezes the router while the drill pulls.
            setMode("frozen", frozenFor);
            silent.close();
            for (Socket s : held) {
                s.close();
            }
            int exit = drill.get(120, TimeUnit.SECONDS);

            // Had the restore set normal, writes would reach the old primary again in the middle of
            // the promotion: pushes accepted after its final reconcile, then lost.
            JsonNode report = JSON.readTree(reports.resolve("drill-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isEqualTo(1);
            assertThat(check(report, "restore").path("passed").asBoolean()).isFalse();
            assertThat(check(report, "restore").path("detail").asText())
                    .contains("was NOT switched")
                    .contains("changed meanwhile, to mode frozen (" + frozenFor + ")")
                    .contains("left that as it is")
                    .doesNotContain("restore it with PUT");
            assertThat(adminMode().path("mode").asText()).isEqualTo("frozen");
            assertThat(adminMode().path("reason").asText()).isEqualTo(frozenFor);
        } finally {
            silent.close();
            drill.get(120, TimeUnit.SECONDS);
            setMode("normal", "the other promotion finished");
        }
    }

    @Test
    @Order(10)
    void drillStoppedBySigtermAfterItsSwitchStillRestoresTheRouter() throws Exception {
        Path reports = tmp.resolve("drill-stopped");
        Path log = tmp.resolve("drill-stopped.log");
        String jar = System.getProperty("georeg.jar", "target/georeg.jar");
        assertThat(Path.of(jar)).as("the shaded jar (built in `package`)").exists();
        // Where the drill pulls: a listener that takes connections and never answers, so that the
        // drill is still pulling, its router in primary-down, when it is stopped.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // The test is over.
                }
            });
            ProcessBuilder command = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-jar",
                            jar,
                            "drill",
                            "--router",
                            sites.routerOperator().toString(),
                            "--registry",
                            "http://127.0.0.1:" + silent.getLocalPort(),
                            "--credentials",
                            USER + ":" + PASSWORD,
                            "--report",
                            reports.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            command.environment().putAll(sites.environment());
            Process drill = command.start();
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() ->
                                "primary-down".equals(adminMode().path("mode").asText()) || !drill.isAlive());
                assertThat(drill.isAlive()).as(Files.readString(log)).isTrue();

                // What a cancelled CI job, a timeout or Ctrl-C does to it.
                drill.destroy();
                assertThat(drill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                drill.destroyForcibly();
            }
        }
        assertThat(adminMode().path("mode").asText()).as(Files.readString(log)).isEqualTo("normal");
        assertThat(Files.readString(log)).containsPattern("pass   restore +\\d+ ms");
    }

    @Test
    @Order(12)
    void promotionToADistributionOnTheReplicasStorageServesEveryImageAndTakesPushes() throws Exception {
        // Kept running for the next case (closed after all of them): the site's primary from now on.
        promoted = newPrimaryOnTheReplicasStorage("promoted");
        Path reports = tmp.resolve("promote");

        int exit = georeg(
                "promote",
                "--router",
                sites.routerOperator().toString(),
                "--admin-token",
                ADMIN_TOKEN,
                "--new-primary",
                promoted.url().toString(),
                "--drain-timeout",
                "PT60S",
                "--verify-timeout",
                "PT60S",
                "--report",
                reports.toString());

        JsonNode report = JSON.readTree(reports.resolve("promote-report.json").toFile());
        assertThat(exit).as(report.toPrettyString()).isZero();
        assertThat(checkNames(report))
                .contains("precheck", "freeze", "drain", "final-reconcile", "verify", "switch-primary", "unfreeze");
        assertThat(stepNames(report))
                .containsExactly(
                        "precheck",
                        "freeze",
                        "drain",
                        "final-reconcile",
                        "verify",
                        "rpo",
                        "switch-primary",
                        "unfreeze");
        for (String step : stepNames(report)) {
            assertThat(lastOutput)
                    .containsPattern("promote \\d\\d:\\d\\d:\\d\\dZ  start  " + step + " ")
                    .containsPattern("promote \\d\\d:\\d\\d:\\d\\dZ  pass   " + step + " +\\d+ ms");
        }
        assertThat(adminMode().path("primaryUrl").asText())
                .isEqualTo(promoted.url().toString());
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");

        // The old primary is gone for good: every image still comes through the router.
        sites.primary.stop();
        for (Map.Entry<String, Digest> image : pushed.entrySet()) {
            assertThat(pullThroughTheRouter(image.getKey())).as(image.getKey()).isEqualTo(image.getValue());
        }
        // A push through the router lands in the new primary.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "closed".equals(adminMode().path("primaryCircuit").asText()));
        Digest afterPromotion = push(TestImages.image(704), "team/after:1.0", sites.routerHostPort());
        HttpResponse<byte[]> direct = HTTP.send(
                HttpRequest.newBuilder(promoted.url().resolve("/v2/team/after/manifests/1.0"))
                        .header("Authorization", "Bearer " + token("repository:team/after:pull"))
                        .header("Accept", ACCEPT)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(direct.body())).isEqualTo(afterPromotion);
    }

    @Test
    @Order(13)
    void afterPromotionAnOverwrittenAndADeletedTagAreServedAsTheNewPrimaryHasThemOnceTheirFencesEnd() throws Exception {
        assertThat(promoted).as("the promotion of the case before").isNotNull();
        // The runbook's step 3: the secondary's replicator is stopped, nothing updates the tracking
        // database any more.
        sites.stopReplicator();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "closed".equals(adminMode().path("primaryCircuit").asText()));

        // Through the one URL, on the new primary: team/api:1.0 moves to another image, team/web:2.0
        // is deleted (distribution deletes the manifest and every tag on it).
        Digest moved = push(TestImages.image(705), "team/api:1.0", sites.routerHostPort());
        assertThat(moved).isNotEqualTo(pushed.get("team/api:1.0"));
        skopeo.run(
                        List.of(
                                "delete",
                                "--tls-verify=false",
                                "--creds",
                                USER + ":" + PASSWORD,
                                "docker://" + sites.routerHostPort() + "/team/web:2.0"),
                        Duration.ofMinutes(1))
                .requireSuccess();
        // What the primary itself answers: the new image, and no tag.
        HttpResponse<byte[]> onPrimary = manifest(promoted.url(), "team/api", "1.0");
        assertThat(onPrimary.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(onPrimary.body())).isEqualTo(moved);
        assertThat(manifest(promoted.url(), "team/web", "2.0").statusCode()).isEqualTo(404);

        // Past the read-your-writes fences of both writes (router.fenceTtl, short here).
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "0".equals(DB.queryText("SELECT count(*) FROM router_fences WHERE expires_at > now()")));

        HttpResponse<byte[]> api = manifest(sites.router(), "team/api", "1.0");
        HttpResponse<byte[]> web = manifest(sites.router(), "team/web", "2.0");
        String seen = "team/api:1.0 -> " + api.statusCode() + " " + Digest.sha256(api.body()) + " " + georegHeaders(api)
                + "; team/web:2.0 -> " + web.statusCode() + " " + georegHeaders(web);
        System.out.println("after promotion, through the router: " + seen);
        assertThat(api.statusCode()).as(seen).isEqualTo(200);
        assertThat(Digest.sha256(api.body())).as(seen).isEqualTo(moved);
        assertThat(web.statusCode()).as(seen).isEqualTo(404);

        // A client pulls through the one URL what the primary has: the moved tag, not the deleted one.
        assertThat(pullThroughTheRouter("team/api:1.0")).isEqualTo(moved);
        assertThat(skopeo.run(
                                List.of(
                                        "inspect",
                                        "--raw",
                                        "--tls-verify=false",
                                        "--creds",
                                        USER + ":" + PASSWORD,
                                        "docker://" + sites.routerHostPort() + "/team/web:2.0"),
                                Duration.ofMinutes(1))
                        .exitCode())
                .as("the deleted tag is not served")
                .isNotZero();
    }

    @Test
    @Order(14)
    void afterPromotionARouterWhosePrimaryUrlWasSetToTheNewPrimaryAnswersFromItUntilTheReplicaIsRebound()
            throws Exception {
        assertThat(promoted).as("the promotion of the case before").isNotNull();
        Digest moved = Digest.sha256(manifest(promoted.url(), "team/api", "1.0").body());
        // What an operator does next: router.primaryUrl names the new primary, and the routers roll.
        // Applied and configured primary are then equal; the tracking database still describes the
        // old primary (its replicator stopped, the case before).
        sites.set("GEOREG_ROUTER_PRIMARY_URL", promoted.url().toString());
        sites.restartFront();
        assertThat(adminMode().path("primaryUrl").asText())
                .isEqualTo(adminMode().path("configuredPrimaryUrl").asText());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "closed".equals(adminMode().path("primaryCircuit").asText()));

        assertServedAsTheNewPrimaryHasThem(moved, "primary");
        assertThat(adminMode().path("replicaServesPulls").asBoolean()).isFalse();
        assertThat(adminMode().path("replicaBypass").asText())
                .contains("the tracking database replicates "
                        + sites.primaryUrl().toString().toLowerCase());
        // The promoted site serves every pull from its new primary: a state of the runbook, not a
        // degraded site (tried on main: "degraded":true until the replica was adopted and caught up).
        assertThat(readiness(sites.routerOperator()).path("replica-binding").asText())
                .isEqualTo("bypassed");
        assertThat(readiness(sites.routerOperator()).path("degraded").asBoolean())
                .isFalse();
        assertThat(sites.routerMetric("georeg_router_replica_bypassed", "primary=\"primary\""))
                .isEqualTo(1.0);

        // The runbook's way back to replica reads: rebind the tracking database to the new primary,
        // run its replicator, reconcile. The replica answers again once that pass has been applied.
        sites.set("GEOREG_REPLICATOR_PRIMARY_URL", promoted.url().toString());
        assertThat(georeg("primaries", "--adopt")).as(lastOutput).isZero();
        assertServedAsTheNewPrimaryHasThem(moved, "primary");
        sites.startReplicator();
        assertThat(georeg("reconcile")).as(lastOutput).isZero();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertServedAsTheNewPrimaryHasThem(moved, "replica"));
        assertThat(sites.routerMetric("georeg_router_replica_bypassed", "primary=\"primary\""))
                .isEqualTo(0.0);
        assertThat(adminMode().path("replicaServesPulls").asBoolean()).isTrue();
    }

    @Test
    @Order(11)
    void promotionToANewPrimaryThatDoesNotAnswerFailsItsPrecheckAndFreezesNothing() throws Exception {
        URI dead;
        try (java.net.ServerSocket closed =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = URI.create("http://127.0.0.1:" + closed.getLocalPort());
        }
        String primaryBefore = adminMode().path("primaryUrl").asText();
        Path reports = tmp.resolve("promote-dead");
        try {
            int exit =
                    promote(reports, "--router", sites.routerOperator().toString(), "--new-primary", dead.toString());

            JsonNode report =
                    JSON.readTree(reports.resolve("promote-report.json").toFile());
            assertThat(exit).as(report.toPrettyString()).isEqualTo(1);
            assertThat(stepNames(report)).containsExactly("precheck");
            assertThat(check(report, "precheck").path("detail").asText())
                    .contains("the new primary does not answer: GET " + dead + "/v2/");
            assertThat(lastOutput).contains("promote FAILED");
        } finally {
            if (!primaryBefore.equals(adminMode().path("primaryUrl").asText())) {
                setPrimary(primaryBefore);
            }
        }
        assertThat(adminMode().path("primaryUrl").asText()).isEqualTo(primaryBefore);
        assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
    }

    @Test
    @Order(15)
    void forcedPromotionWhoseFinalReconcileFailedSwitchesTheRoutersAndExitsFourNotOne() throws Exception {
        // An unplanned failover: the primary (the promoted one of the cases before) is gone, a new
        // one runs on the replica's storage; the final reconcile cannot crawl the old one.
        promoted.stop();
        Distribution third = newPrimaryOnTheReplicasStorage("third");
        try {
            Path reports = tmp.resolve("promote-force");
            int exit = promote(
                    reports,
                    "--router",
                    sites.routerOperator().toString(),
                    "--new-primary",
                    third.url().toString(),
                    "--force");

            JsonNode report =
                    JSON.readTree(reports.resolve("promote-report.json").toFile());
            assertThat(check(report, "final-reconcile").path("passed").asBoolean())
                    .isFalse();
            assertThat(check(report, "switch-primary").path("passed").asBoolean())
                    .isTrue();
            assertThat(exit).as(report.toPrettyString()).isEqualTo(4);
            assertThat(lastOutput).contains("promote FAILED, routers SWITCHED anyway (--force; exit 4");
            assertThat(adminMode().path("primaryUrl").asText())
                    .isEqualTo(third.url().toString());
            assertThat(adminMode().path("mode").asText()).isEqualTo("normal");
        } finally {
            setPrimary(null);
            third.close();
        }
    }

    /** {@code PUT /-/admin/primary} on the front's router ({@code null}: the configured primary). */
    private static void setPrimary(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(sites.routerOperator().resolve("/-/admin/primary"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString(
                                url == null ? "{\"url\":null}" : "{\"url\":\"" + url + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** team/api:1.0 at {@code moved} and team/web:2.0 gone, through the router, answered by {@code source}. */
    private static void assertServedAsTheNewPrimaryHasThem(Digest moved, String source) throws Exception {
        HttpResponse<byte[]> api = manifest(sites.router(), "team/api", "1.0");
        HttpResponse<byte[]> web = manifest(sites.router(), "team/web", "2.0");
        String seen = "team/api:1.0 -> " + api.statusCode() + " " + Digest.sha256(api.body()) + " " + georegHeaders(api)
                + "; team/web:2.0 -> " + web.statusCode() + " " + georegHeaders(web);
        assertThat(api.statusCode()).as(seen).isEqualTo(200);
        assertThat(Digest.sha256(api.body())).as(seen).isEqualTo(moved);
        assertThat(api.headers().firstValue("X-Georeg-Source")).as(seen).contains(source);
        assertThat(web.statusCode()).as(seen).isEqualTo(404);
    }

    /** {@code GET /-/ready} of a router's operator listener, whatever its status. */
    private static JsonNode readiness(URI operator) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(operator.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** Pulls {@code reference} through the router with skopeo (credentials); returns its manifest's digest. */
    private static Digest pullThroughTheRouter(String reference) throws Exception {
        Path back = Files.createTempDirectory(tmp, "pulled");
        skopeo.run(
                        List.of(
                                "copy",
                                "--src-tls-verify=false",
                                "--src-creds",
                                USER + ":" + PASSWORD,
                                "docker://" + sites.routerHostPort() + "/" + reference,
                                "dir:" + back),
                        Duration.ofMinutes(1))
                .requireSuccess();
        return Digest.sha256(Files.readAllBytes(back.resolve("manifest.json")));
    }

    /** The new primary of the promotion case, running until the end. */
    private static Distribution promoted;

    /** {@code GET} of a manifest with a pull token from the token service, every media type accepted. */
    private static HttpResponse<byte[]> manifest(URI registry, String repository, String reference) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(registry.resolve("/v2/" + repository + "/manifests/" + reference))
                        .header("Authorization", "Bearer " + token("repository:" + repository + ":pull"))
                        .header("Accept", ACCEPT)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The answer's {@code X-Georeg-*} headers: which leg of the router answered. */
    private static Map<String, List<String>> georegHeaders(HttpResponse<?> r) {
        Map<String, List<String>> headers = new java.util.TreeMap<>();
        r.headers().map().forEach((name, values) -> {
            if (name.toLowerCase(java.util.Locale.ROOT).startsWith("x-georeg-")) {
                headers.put(name, values);
            }
        });
        return headers;
    }

    /** What the last {@link #georeg} command printed, stdout and stderr together. */
    private static String lastOutput = "";

    private static int georeg(String... args) {
        StringWriter out = new StringWriter();
        var cli = GeoregCommand.commandLine(sites.environment());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute(args);
        lastOutput = out.toString();
        System.out.println(
                "georeg " + String.join(" ", args).replace(ADMIN_TOKEN, "<token>") + " -> " + exit + "\n" + out);
        return exit;
    }

    /**
     * {@code georeg drill} with {@code options}, pulling a sample of 2 images as the user
     * ({@code --credentials}), its reports in {@code reports}.
     */
    private static int drill(Path reports, String... options) {
        List<String> args = new ArrayList<>(List.of("drill"));
        args.addAll(List.of(options));
        args.addAll(List.of("--sample", "2", "--credentials", USER + ":" + PASSWORD, "--report", reports.toString()));
        return georeg(args.toArray(String[]::new));
    }

    /** A stock distribution on the replica's storage, with the old primary's token auth (the runbook's step 1). */
    private static Distribution newPrimaryOnTheReplicasStorage(String name) throws Exception {
        return Distribution.start(
                Files.createDirectories(tmp.resolve(name)),
                DistributionConfig.filesystem(sites.replicaStorage()).withTokenAuth(sites.tokenAuth()));
    }

    /** {@code georeg promote} with {@code options}, short drain and verify timeouts, its reports in {@code reports}. */
    private static int promote(Path reports, String... options) {
        List<String> args = new ArrayList<>(List.of("promote"));
        args.addAll(List.of(options));
        args.addAll(List.of("--drain-timeout", "PT60S", "--verify-timeout", "PT60S", "--report", reports.toString()));
        return georeg(args.toArray(String[]::new));
    }

    private static List<String> stepNames(JsonNode report) {
        List<String> names = new ArrayList<>();
        report.path("steps").forEach(s -> names.add(s.path("name").asText()));
        return names;
    }

    private static List<String> checkNames(JsonNode report) {
        List<String> names = new ArrayList<>();
        report.path("checks").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    private static JsonNode check(JsonNode report, String name) {
        for (JsonNode c : report.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + report);
    }

    /** {@code PUT /-/admin/mode} on the front's router, as an operator or another run sets it. */
    private static void setMode(String mode, String reason) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(sites.routerOperator().resolve("/-/admin/mode"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode()
                                .put("mode", mode)
                                .put("reason", reason)
                                .toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static JsonNode adminMode() throws Exception {
        return adminMode(sites.routerOperator());
    }

    /** {@code GET /-/admin/mode} of the router whose operator listener is {@code operator}. */
    private static JsonNode adminMode(URI operator) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(operator.resolve("/-/admin/mode"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Pushes a test image with skopeo (credentials) to {@code registry}; returns its manifest digest. */
    private static Digest push(TestImage image, String reference, String registry) throws Exception {
        String tag = reference.substring(reference.indexOf(':') + 1);
        Path layout = OciLayoutWriter.write(image, tag, Files.createTempDirectory(tmp, "layout"));
        skopeo.run(
                        List.of(
                                "copy",
                                "--preserve-digests",
                                "--dest-tls-verify=false",
                                "--dest-creds",
                                USER + ":" + PASSWORD,
                                "oci:" + layout + ":" + tag,
                                "docker://" + registry + "/" + reference),
                        Duration.ofMinutes(1))
                .requireSuccess();
        return image.manifest().digest();
    }

    /** Waits until registry-read serves the tag at the digest: the replicator applied it. */
    private static void awaitReplicated(String reference, Digest digest) {
        String repository = reference.substring(0, reference.indexOf(':'));
        String tag = reference.substring(reference.indexOf(':') + 1);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    HttpResponse<byte[]> r = HTTP.send(
                            HttpRequest.newBuilder(sites.replica().resolve("/v2/" + repository + "/manifests/" + tag))
                                    .header("Authorization", "Bearer " + token("repository:" + repository + ":pull"))
                                    .header("Accept", ACCEPT)
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    return r.statusCode() == 200 && Digest.sha256(r.body()).equals(digest);
                });
    }

    /** A token straight from the token service (it outlives either registry). */
    private static String token(String scope) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                sites.tokens.realm() + "?service=" + sites.issuer.service() + "&scope=" + scope))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString(
                                                        (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }
}
