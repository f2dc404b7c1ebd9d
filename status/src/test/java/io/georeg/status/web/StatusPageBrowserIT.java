package io.georeg.status.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.status.SeededReplica;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.HeadlessChromium;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser (Debian's headless chromium): a Jetty server on 127.0.0.1:0
 * serves {@link StatusPageHandler} over a seeded tracking database (pending, in-progress, failed
 * with reasons, done rows with known lags in two past minutes, a stored image); chromium renders
 * it with its scripts, the test asserts on the resulting DOM and keeps a screenshot under
 * {@code target/}. One failure reason and one queued repository name carry markup, which must
 * arrive as text.
 */
class StatusPageBrowserIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path work;

    static final String SCRIPT_REASON = "<script>document.title='pwned'</script>manifest invalid";
    static final String MARKUP_REPOSITORY = "evil/<img src=x id=injected>";
    static final String DIGEST_A = "sha256:" + "a".repeat(64);
    static final String FREEZE_REASON = "promote to <site-c>";

    static Database database;
    static Server server;
    static URI base;

    @BeforeAll
    static void serveSeededStatus() throws Exception {
        HeadlessChromium.require(work);
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        SeededReplica.store(database, work.resolve("storage"), "library/alpine", "3.19", TestImages.image(3));
        List<String> rows = new ArrayList<>();
        rows.add(row("team/app", "tag", "v2", "pending", "now() - interval '10 minutes'", "NULL", "NULL"));
        rows.add(row("team/app", "tag", "v3", "pending", "now() - interval '2 minutes'", "NULL", "NULL"));
        rows.add(row("team/web", "tag", "v1", "in_progress", "now() - interval '1 minute'", "NULL", "NULL"));
        rows.add(row(
                "team/web",
                "digest",
                DIGEST_A,
                "failed",
                "now() - interval '1 hour'",
                "NULL",
                "'primary answered 500 Internal Server Error for " + DIGEST_A + "'"));
        rows.add(row("team/db", "tag", "bad", "failed", "now() - interval '1 hour'", "NULL", quote(SCRIPT_REASON)));
        rows.add(row(MARKUP_REPOSITORY, "tag", "x", "failed", "now() - interval '1 hour'", "NULL", "'name unknown'"));
        // minute -5: lags 1..5 s (p50 3); minute -20: lags 30 and 60 s (p50 45)
        String fiveAgo = "date_trunc('minute', now()) - interval '5 minutes' + interval '10 seconds'";
        for (int lag = 1; lag <= 5; lag++) {
            rows.add(row(
                    "team/app",
                    "tag",
                    "done" + lag,
                    "done",
                    fiveAgo + " - interval '" + lag + " seconds'",
                    fiveAgo,
                    "NULL"));
        }
        String twentyAgo = "date_trunc('minute', now()) - interval '20 minutes' + interval '10 seconds'";
        for (int lag : new int[] {30, 60}) {
            rows.add(row(
                    "library/alpine",
                    "tag",
                    "old" + lag,
                    "done",
                    twentyAgo + " - interval '" + lag + " seconds'",
                    twentyAgo,
                    "NULL"));
        }
        DB.execute("""
                INSERT INTO replication_work (repository, kind, ref, operation, digest, state, first_event_at,
                                              last_event_at, done_at, last_error, source, updated_at, enqueued_at)
                VALUES
                """ + String.join(",\n", rows));

        // a promotion in progress: routers frozen and switched, the replica catching up with the new primary
        DB.execute("UPDATE router_admin_state SET mode = 'frozen', reason = " + quote(FREEZE_REASON)
                + ", primary_url = 'https://site-c.example.test', updated_at = now() - interval '3 minutes'");
        DB.execute("INSERT INTO replica_primaries (name, url, bound_by, catching_up_since) VALUES"
                + " ('primary', 'https://site-c.example.test:443', 'test', now() - interval '2 minutes')");

        server = new Server(new InetSocketAddress("127.0.0.1", 0));
        server.setHandler(new StatusPageHandler(database));
        server.start();
        base = URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (database != null) {
            database.close();
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String row(
            String repo, String kind, String ref, String state, String firstEvent, String doneAt, String error) {
        String operation = kind.equals("tag") ? "push_manifest" : "push_blob";
        return "(" + quote(repo) + ", '" + kind + "', " + quote(ref) + ", '" + operation + "', '" + DIGEST_A + "', '"
                + state + "', " + firstEvent + ", " + firstEvent + ", " + doneAt + ", " + error
                + ", 'event', now(), now())";
    }

    @Test
    void browserRendersQueueFailuresRepositoriesAndTheLagChart() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require(work);
        URI page = base.resolve("/-/status");
        Path png = Files.createDirectories(Path.of("target"))
                .resolve("status-page.png")
                .toAbsolutePath();
        Files.deleteIfExists(png);
        chromium.screenshot(page, png);
        System.out.println("status page screenshot: " + png);
        assertThat(Files.size(png)).isGreaterThan(10_000);

        String dom = chromium.dumpDom(page);
        assertThat(dom).contains("<title>georeg replication status</title>");
        assertThat(dom)
                .contains("<tr data-state=\"pending\"><th>pending</th><td class=\"count\">2</td>")
                .contains("<tr data-state=\"in_progress\"><th>in progress</th><td class=\"count\">1</td>")
                .contains("<tr data-state=\"failed\"><th>failed</th><td class=\"count\">3</td>")
                .contains("<tr data-state=\"done\"><th>done</th><td class=\"count\">7</td>");
        assertThat(dom)
                .contains("primary answered 500 Internal Server Error for " + DIGEST_A)
                .contains("primary answered 500 Internal Server Error for &lt;digest&gt;")
                .contains("name unknown");
        // the chart was drawn by the page's script: two minutes with data, a p50 and a p99 point each
        assertThat(dom).contains("data-points=\"2\"");
        assertThat(count(dom, "<circle class=\"point p50\"")).isEqualTo(2);
        assertThat(count(dom, "<circle class=\"point p99\"")).isEqualTo(2);
        assertThat(dom).containsPattern("class=\"line-p50\" d=\"M[0-9.]+,[0-9.]+ L[0-9.]+,[0-9.]+");
        assertThat(dom).contains("id=\"lag-empty\" class=\"muted\" hidden");
        // the lag axis: gridlines on round values, each label its line's exact value (the highest
        // lag is the older minute's p99, 59.7 s); quarters of the maximum rounded for their labels
        // read "0.0 s, 16 s, 33 s, 49 s, 66 s", and on a sub-second chart "0.2 s" twice
        List<String> ticks = new ArrayList<>();
        Matcher tick =
                Pattern.compile("<text class=\"tick\"[^>]*>([^<]*)</text>").matcher(dom);
        while (tick.find()) {
            ticks.add(tick.group(1));
        }
        assertThat(ticks).containsExactly("0 s", "20 s", "40 s", "60 s", "80 s");
        // every repository, with the search's count written by the script
        for (String name : List.of("library/alpine", "team/app", "team/db", "team/web")) {
            assertThat(dom).contains("data-name=\"" + name + "\"");
        }
        assertThat(dom).contains("5 of 5 shown");
    }

    @Test
    void routersStateAndReplicaBindingShowDuringAPromotion() {
        String dom = HeadlessChromium.require(work).dumpDom(base.resolve("/-/status"));
        assertThat(dom)
                .contains(
                        "<tr data-mode=\"frozen\" class=\"bad\"><th>mode</th><td>frozen (promote to &lt;site-c&gt;)</td>")
                .contains("<th>writes go to</th><td>switched to https://site-c.example.test</td>")
                .contains("<tr class=\"binding bad\" data-name=\"primary\" data-catching-up=\"true\">")
                .contains("https://site-c.example.test:443: catching up since ")
                .contains("(its pulls are answered by the primary)");
    }

    @Test
    void markupFromTheDatabaseArrivesAsTextAndNeverRuns() {
        String dom = HeadlessChromium.require(work).dumpDom(base.resolve("/-/status"));
        assertThat(dom).contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;manifest invalid");
        assertThat(dom).doesNotContain("<script>document.title");
        assertThat(dom).contains("<title>georeg replication status</title>").doesNotContain("pwned</title>");
        assertThat(dom).contains("evil/&lt;img src=x id=injected&gt;").doesNotContain("id=\"injected\"");
        // only the page's own two script elements exist
        assertThat(count(dom, "<script")).isEqualTo(2);
    }

    @Test
    void searchParameterNarrowsTheRepositoryTable() {
        String dom = HeadlessChromium.require(work).dumpDom(base.resolve("/-/status?q=WEB"));
        assertThat(dom)
                .contains("data-name=\"team/web\"")
                .doesNotContain("data-name=\"team/app\"")
                .contains("value=\"web\"")
                .contains("1 of 1 shown");
    }

    @Test
    void jsonCarriesTheStatusDocumentLagHistoryAndRecentFailures() throws Exception {
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newHttpClient()) {
            response = client.send(
                    HttpRequest.newBuilder(base.resolve("/-/status.json")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = new ObjectMapper().readTree(response.body());
        assertThat(json.at("/queue/pending").asLong()).isEqualTo(2);
        assertThat(json.at("/repositories")).hasSize(5);
        JsonNode history = json.get("lagHistory");
        assertThat(history).hasSize(60);
        List<JsonNode> withSamples = new ArrayList<>();
        history.forEach(p -> {
            if (p.get("samples").asLong() > 0) {
                withSamples.add(p);
            }
        });
        assertThat(withSamples).hasSize(2);
        assertThat(withSamples.get(0).get("samples").asLong()).isEqualTo(2);
        assertThat(withSamples.get(0).get("p50Seconds").asDouble()).isCloseTo(45.0, within(1e-6));
        assertThat(withSamples.get(0).get("maxSeconds").asDouble()).isCloseTo(60.0, within(1e-6));
        assertThat(withSamples.get(1).get("samples").asLong()).isEqualTo(5);
        assertThat(withSamples.get(1).get("p50Seconds").asDouble()).isCloseTo(3.0, within(1e-6));
        assertThat(withSamples.get(1).get("p99Seconds").asDouble()).isCloseTo(4.96, within(1e-6));
        assertThat(json.get("recentFailures")).hasSize(3);
        assertThat(json.at("/recentFailures").findValuesAsText("reason")).contains(SCRIPT_REASON);
    }

    @Test
    void otherPathsAreDeclinedAndWritesRefused() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            assertThat(client.send(
                                    HttpRequest.newBuilder(base.resolve("/v2/")).build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .isEqualTo(404);
            HttpResponse<Void> post = client.send(
                    HttpRequest.newBuilder(base.resolve("/-/status"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            HttpResponse<Void> html = client.send(
                    HttpRequest.newBuilder(base.resolve("/-/status")).build(), HttpResponse.BodyHandlers.discarding());
            String scriptSrc =
                    List.of(html.headers()
                                    .firstValue("Content-Security-Policy")
                                    .orElseThrow()
                                    .split(";"))
                            .stream()
                            .map(String::strip)
                            .filter(d -> d.startsWith("script-src"))
                            .findFirst()
                            .orElseThrow();
            assertThat(scriptSrc).startsWith("script-src 'nonce-").doesNotContain("unsafe-inline");
        }
    }

    private static int count(String haystack, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
