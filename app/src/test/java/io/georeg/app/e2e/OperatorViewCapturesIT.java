package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.oci.Digest;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.HeadlessChromium;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees, captured from a real run: both sites ({@link TwoSites}, georeg in one
 * process), two images pushed through the router and replicated, then the status page rendered
 * by headless chromium (a PNG, and the text of its DOM), {@code georeg status} as the command line
 * prints it, and for each panel of the Grafana dashboard the samples its queries read from this
 * run's {@code /metrics} (no Grafana here). The test checks that each capture shows the
 * replicated images; with {@code -Dgeoreg.docs.dir=<docs>} ({@code scripts/docs-captures}) it
 * also writes them as {@code docs/operator-views.md} and {@code docs/images/status-page.png}.
 */
class OperatorViewCapturesIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Path DASHBOARD = Path.of("../charts/georeg/dashboards/georeg.json");
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:georeg|jvm|hikaricp|org_eclipse_jetty)_[A-Za-z0-9_]+?)(?:_bucket|_sum|_count)?\\b");

    static TwoSites sites;

    @BeforeAll
    static void replicateTwoImages() throws Exception {
        sites = new TwoSites(DB, tmp, TwoSites.Shape.ONE_PROCESS, Map.of());
        for (var image : List.of(Map.entry("team/web:1.0", 801L), Map.entry("team/api:2.1", 802L))) {
            String[] ref = image.getKey().split(":");
            Path layout = OciLayoutWriter.write(TestImages.image(image.getValue()), ref[1], tmp.resolve(ref[0]));
            Digest digest = sites.push(layout, ref[1], sites.routerHostPort(), image.getKey());
            sites.awaitReplicated(ref[0], ref[1], digest);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (sites != null) {
            sites.close();
        }
    }

    @Test
    void theStatusPageTheCliAndTheDashboardsMetricsShowTheReplicatedImages() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require(Files.createDirectories(tmp.resolve("chromium")));
        URI page = sites.routerOperator().resolve("/-/status");
        Path png = chromium.withTimeout(Duration.ofSeconds(120)).screenshot(page, tmp.resolve("status-page.png"));
        String dom = chromium.dumpDom(page);
        String statusText = visibleText(dom);

        StringWriter out = new StringWriter();
        var cli = GeoregCommand.commandLine(sites.environment());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("status", "--repositories");
        String status = out.toString();

        String metrics = HTTP.send(
                        HttpRequest.newBuilder(sites.routerOperator().resolve("/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        String panels = dashboardPanels(JSON.readTree(DASHBOARD.toFile()), metrics);

        assertThat(Files.size(png)).as("a PNG was rendered").isGreaterThan(1000);
        assertThat(statusText).contains("team/web").contains("team/api");
        assertThat(exit).as(status).isZero();
        assertThat(status).contains("team/web").contains("team/api");
        assertThat(panels).contains("georeg_replication_manifests_copied_total");

        String docs = System.getProperty("georeg.docs.dir", "");
        Path target = docs.isBlank() ? tmp.resolve("docs") : Path.of(docs);
        Files.createDirectories(target.resolve("images"));
        Files.copy(png, target.resolve("images/status-page.png"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(
                target.resolve("operator-views.md"), page(statusText, status, panels), StandardCharsets.UTF_8);
        System.out.println("operator views written to " + target);
    }

    /** The text a reader of the rendered page sees: the DOM without its head, scripts, styles and tags, blank lines folded. */
    static String visibleText(String html) {
        String text = html.replaceAll("(?is)<(head|script|style)[^>]*>.*?</\\1>", "")
                .replaceAll("(?i)<(br|/tr|/h[1-6]|/p|/li|/div|/table|/caption)[^>]*>", "\n")
                .replaceAll("(?i)</t[dh]>", "  ")
                .replaceAll("<[^>]+>", "")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&nbsp;", " ")
                .replace("&#39;", "'")
                .replace("&quot;", "\"");
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip().replaceAll("[ \\t]{3,}", "  ");
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        return String.join("\n", lines);
    }

    /** Each panel's title, the metrics its queries read, and their samples in this run's scrape. */
    static String dashboardPanels(JsonNode dashboard, String metrics) {
        StringBuilder md = new StringBuilder();
        for (JsonNode panel : dashboard.path("panels")) {
            Set<String> names = new LinkedHashSet<>();
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
            md.append("#### ").append(panel.path("title").asText()).append("\n\n```\n");
            for (String name : names) {
                List<String> samples = metrics.lines()
                        .filter(l -> !l.startsWith("#"))
                        .filter(l -> l.startsWith(name + "{")
                                || l.startsWith(name + " ")
                                || l.startsWith(name + "_bucket") && l.contains("le=\"+Inf\"")
                                || l.startsWith(name + "_count")
                                || l.startsWith(name + "_sum"))
                        .toList();
                if (samples.isEmpty()) {
                    md.append(name).append(": no sample in this run\n");
                }
                samples.stream().limit(8).forEach(l -> md.append(l).append('\n'));
                if (samples.size() > 8) {
                    md.append("… ").append(samples.size() - 8).append(" more samples\n");
                }
            }
            md.append("```\n\n");
        }
        return md.toString();
    }

    private static String page(String statusText, String status, String panels) {
        return """
                # What an operator sees

                Captures of a real run, made by `scripts/docs-captures` (the test
                `OperatorViewCapturesIT` with `-Dgeoreg.docs.dir`): both sites on one machine — a
                CNCF distribution primary with token auth, georeg's router, registry-read and
                replicator in one process, PostgreSQL — two images pushed through the router and
                replicated, then each view captured. Nothing here is drawn by hand; run the script
                again to refresh it (the timestamps, ports and ages then change).

                ## The status page

                The router's operator listener serves `/-/status` (never the public listener; see
                [security.md](security.md#listeners)). Rendered by headless chromium:

                ![The status page](images/status-page.png)

                The same page as text (the rendered DOM without its markup):

                ```
                %s
                ```

                ## `georeg status --repositories`

                ```
                $ georeg status --repositories
                %s
                ```

                `georeg status --json` prints the same report as one JSON object
                ([failover.md](failover.md)).

                ## The Grafana dashboard

                No Grafana server can be installed where these captures are made: the machines that
                build and test georeg install software only from Debian packages, Maven artifacts and
                npm packages, and none of them is a Grafana server (npm's `@grafana/*` packages are
                libraries that run inside one). So there is no picture of the dashboard
                (`charts/georeg/dashboards/georeg.json`, [monitoring.md](monitoring.md)).
                Instead, for each panel: the metrics its queries read and their samples in this
                run's `/metrics` scrape of the router's operator listener (histograms by their
                count, sum and `+Inf` bucket), which is what the panel would plot.

                %s""".formatted(statusText, status.strip(), panels);
    }
}
