package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.oci.Digest;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Prometheus;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
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
 * What docs/monitoring.md and the chart's PrometheusRule promise, checked with a real Prometheus
 * scraping real georeg processes ({@link TwoSites}: distribution with token auth as the primary,
 * georeg's front and its replicator as two {@code georeg serve}) on 127.0.0.1, once a second, and
 * evaluating the rules {@code helm template} renders from the chart, once a second.
 *
 * <p>Every alert and recording rule, every query of the docs' "Useful queries" and every panel of
 * the Grafana dashboard must parse and evaluate without error, and the panels show the run. Then the
 * scenarios the alerts name are played and each alert's state is read from Prometheus's rule
 * engine: a notification with an unreadable event, a notification secret rotated on georeg's side
 * only, the replica's storage unwritable (copies failing, the queue not draining, the secondary
 * degraded), the primary down, the replicator stopped.
 *
 * <p>The scrape is labelled as the chart's ServiceMonitor labels it (namespace, service, pod,
 * {@code app_kubernetes_io_component}). Thresholds and the {@code for:} durations the chart makes
 * values of are set small through those values; an alert whose {@code for:} is fixed in the chart
 * (5 m, 10 m) is asserted {@code pending}: Prometheus's rule engine found its expression true on
 * the real series, and the fixed duration is then Prometheus's own arithmetic, which
 * {@code promtool check rules} has loaded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String NAMESPACE = "registry";
    private static final String RELEASE = "geo";
    private static final String FULLNAME = RELEASE + "-georeg";
    private static final String SECRET_KEY = "GEOREG_REPLICATOR_INTAKE_SECRET";
    /** Long enough for a few scrapes and rule evaluations on a loaded 2-core machine. */
    private static final Duration NOTICED = Duration.ofSeconds(30);

    /** The chart's values the rules are rendered with: thresholds and durations small enough for a test. */
    private static final Map<String, String> RULE_VALUES = Map.of(
            "metrics.prometheusRule.enabled", "true",
            "metrics.prometheusRule.replicationLagSeconds", "5",
            "metrics.prometheusRule.oldestPendingSeconds", "5",
            "metrics.prometheusRule.failuresPer15m", "1",
            "metrics.prometheusRule.queueNotDrainingFor", "10s",
            "metrics.prometheusRule.primaryUnreachableFor", "2s",
            "metrics.prometheusRule.secondaryDegradedFor", "2s");

    /** A series selector in a rule's expression: a metric name and its label matchers. */
    private static final Pattern SELECTOR = Pattern.compile("\\b([a-zA-Z_][a-zA-Z0-9_]*)\\{[^}]*}");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TwoSites sites;
    static Prometheus prometheus;
    /** Prometheus scrapes the replicator through this relay: the replicator's port changes with each start. */
    static TcpRelay replicatorScrape;

    static Path layouts;
    static Path rules;
    static int pushes;
    /** The series selectors of the rules that matched nothing once both processes were scraped, before any push. */
    static Set<String> emptyAtStart;

    @BeforeAll
    static void start() throws Exception {
        Prometheus.require();
        rules = tmp.resolve("prometheus/georeg-rules.yaml");
        Files.createDirectories(rules.getParent());
        Files.writeString(rules, renderedRules());
        Prometheus.checkRules(rules);

        sites = new TwoSites(
                DB,
                tmp,
                TwoSites.Shape.FRONT_AND_REPLICATOR,
                Map.of("GEOREG_HEALTH_INTERVAL", "200ms", "GEOREG_HEALTH_BUDGET", "1s"));
        replicatorScrape = TcpRelay.unaimed();
        aimScrapeAtReplicator();
        layouts = tmp.resolve("layouts");
        OciLayoutWriter.writeAll(
                CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED)
                        .bigLayerSize(64 * 1024)
                        .generate(),
                layouts);
        prometheus = Prometheus.start(tmp.resolve("prometheus"), config(true));
        // Prometheus starts scraping a few seconds after it is ready: the run starts once it sees both.
        awaitQuery("count(up == 1) == 2");
        emptyAtStart = emptySelectors();
        String tag = push();
        sites.awaitReplicated("watched/alpine", tag, digest());
        // A pull through the router: reads served by the replica, none falling back.
        sites.pull(Skopeo.require(), Files.createTempDirectory(tmp, "pull"), "watched/alpine:" + tag);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {prometheus, sites, replicatorScrape}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * {@code increase()} and {@code rate()} see no increase in a series' first sample: a series an
     * alert reads that is born at its first event hides that event after every restart (the first
     * digest mismatch, the first fallback). So every series the rules select exists from the start,
     * before anything was pushed, failed or fell back.
     */
    @Test
    @Order(0)
    void everySeriesTheRulesReadExistsBeforeAnythingHappened() {
        assertThat(emptyAtStart)
                .as("selectors of the chart's rules that matched no series at start")
                .isEmpty();
    }

    @Test
    @Order(1)
    void everyAlertDashboardPanelAndDocumentedQueryEvaluatesAndThePanelsShowTheRun() throws Exception {
        // Two scrapes with the replication in them, so that rates over the run have two samples.
        awaitQuery("increase(georeg_replication_lag_seconds_count[1m]) > 0");

        for (JsonNode rule : allRules()) {
            assertThat(rule.path("health").asText())
                    .as("rule %s evaluates without error: %s", rule.path("name").asText(), rule.path("lastError"))
                    .isIn("ok", "unknown");
        }
        Map<String, String> queries = new LinkedHashMap<>();
        documentedQueries().forEach(q -> queries.put(q, q));
        queries.putAll(dashboardQueries());
        // Each query must evaluate at once; that each shows the run is polled: on a loaded machine a
        // scrape can miss its 1 s timeout, and its target's series are stale until the next one.
        for (String q : queries.values()) {
            prometheus.query(q);
        }
        await().atMost(NOTICED).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<String> empty = new ArrayList<>();
            for (Map.Entry<String, String> q : queries.entrySet()) {
                if (prometheus.query(q.getValue()).isEmpty()) {
                    empty.add(q.getKey());
                }
            }
            assertThat(empty)
                    .as("queries of the docs and dashboard panels that show nothing after a replicated push")
                    .isEmpty();
        });
        // This site has token auth without outage tokens (auth.outage): the shield can never arm,
        // and the chart renders no alert on it then (OutageShieldValuesTest), so nothing fires.
        assertThat(firing()).as("alerts active in a healthy run").isEmpty();

        // The rejected-notifications alert counts every outcome that refused or failed a request.
        Matcher selector = Pattern.compile("georeg_replication_intake_requests_total\\{[^}]*}")
                .matcher(alert("GeoregNotificationsRejected").path("query").asText());
        assertThat(selector.find()).as("the alert reads the intake's outcomes").isTrue();
        assertThat(outcomes("georeg_replication_intake_requests_total"))
                .as("the intake's outcomes are exported from the start")
                .contains("accepted", "unauthorized", "database_unavailable");
        assertThat(outcomes(selector.group()))
                .as("outcomes %s selects", selector.group())
                .containsExactlyInAnyOrderElementsOf(outcomes(
                        "georeg_replication_intake_requests_total{outcome!=\"accepted\",outcome!=\"duplicate\"}"));
    }

    @Test
    @Order(3)
    void aSecretRotatedOnGeoregsSideOnlyRaisesNotificationsRejected() throws Exception {
        String secret = sites.environment().get(SECRET_KEY);
        sites.set(SECRET_KEY, "rotated-on-georeg-only-0123456789");
        restartReplicator();
        // The primary still signs with the old secret: every notification is answered 401 and
        // nothing is queued, so the recovery point says 0 while nothing replicates.
        String tag = push();
        // The alert is still active from the test before (15 minutes of increase): the refusals
        // of this one are seen in the same series.
        awaitQuery("increase(georeg_replication_intake_requests_total{outcome=\"unauthorized\"}[1m]) > 0");
        awaitAlert("GeoregNotificationsRejected", "pending", "firing");
        assertThat(prometheus.query("max(georeg_replication_oldest_pending_seconds) > 0"))
                .as("nothing was queued")
                .isEmpty();

        sites.set(SECRET_KEY, secret);
        restartReplicator();
        // distribution retries the refused notification until it is accepted.
        sites.awaitReplicated("watched/alpine", tag, digest());
    }

    /**
     * An envelope with an unreadable event beside a readable one is answered 200 (the readable one
     * recorded, the other refused in the answer): distribution never sends it again, so this one
     * request is all the alert can see.
     */
    @Test
    @Order(2)
    void oneNotificationWithAnUnreadableEventRaisesNotificationsRejected() throws Exception {
        String good = event("once-good", "watched/alpine");
        String unreadable = event("once-unreadable", "Team/../app");
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(sites.replicator
                                .component(ReplicatorComponent.class)
                                .uri()
                                .resolve("/events"))
                        .header("Authorization", "Bearer " + sites.environment().get(SECRET_KEY))
                        .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[" + good + "," + unreadable + "]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("refused");

        awaitAlert("GeoregNotificationsRejected", "pending", "firing");
    }

    /** A push event of distribution's shape for the sample image's manifest in {@code repository}. */
    private static String event(String id, String repository) throws Exception {
        Digest digest = digest();
        String url = sites.primary.url() + "/v2/" + repository + "/manifests/" + digest;
        return """
                {"id":"%s","timestamp":"%s","action":"push",
                 "target":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","repository":"%s",
                           "url":"%s","tag":"v1"},
                 "request":{"id":"%s","addr":"127.0.0.1","host":"%s","method":"PUT","useragent":"test"},
                 "source":{"addr":"%s","instanceID":"monitoring-it"}}
                """.formatted(
                        id,
                        java.time.Instant.now(),
                        digest,
                        repository,
                        url,
                        id,
                        sites.primary.hostPort(),
                        sites.primary.hostPort());
    }

    @Test
    @Order(4)
    void copiesFailingWhileTheReplicaStorageIsUnwritableRaiseTheReplicationAlerts() throws Exception {
        // A volume that fails every write: the storage root is no directory any more. Pushes go on
        // through the router (to the primary), their notifications are recorded, no copy lands.
        Path storage = sites.replicaStorage();
        Path aside = storage.resolveSibling("replica-storage.aside");
        Files.move(storage, aside);
        Files.writeString(storage, "not a directory");
        String tag;
        try {
            tag = push();
            awaitAlert("GeoregReplicationQueueNotDraining", "firing");
            awaitAlert("GeoregSecondaryDegraded", "firing");
            awaitAlert("GeoregOldestPendingEventOld", "pending", "firing");
            awaitAlert("GeoregReplicationFailuresRising", "pending", "firing");
        } finally {
            Files.delete(storage);
            Files.move(aside, storage);
        }
        sites.awaitReplicated("watched/alpine", tag, digest());
        // The backlog applied late: its lag is above the threshold.
        awaitAlert("GeoregReplicationLagHigh", "pending", "firing");
    }

    @Test
    @Order(5)
    void thePrimaryDownRaisesPrimaryUnreachable() throws Exception {
        sites.primary.stop();
        try {
            awaitAlert("GeoregPrimaryUnreachable", "firing");
        } finally {
            sites.primary.restart();
        }
    }

    @Test
    @Order(6)
    void theReplicatorStoppedRaisesComponentDown() throws Exception {
        sites.stopReplicator();
        replicatorScrape.unaim();
        awaitAlert("GeoregComponentDown", "pending", "firing");
        // Its target gone from the scrape as well (a pod scaled away or unschedulable): no up == 0
        // is left to fire on, and only the replicator exports the queue the other alerts read.
        prometheus.reload(config(false));
        awaitAlert("GeoregReplicatorAbsent", "pending", "firing");
    }

    private static void restartReplicator() throws Exception {
        sites.stopReplicator();
        replicatorScrape.unaim();
        sites.startReplicator();
        aimScrapeAtReplicator();
    }

    /** Waits until {@code promql} returns a series; says what Prometheus scrapes when it does not. */
    static void awaitQuery(String promql) throws Exception {
        try {
            await().atMost(NOTICED)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> !prometheus.query(promql).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    promql + " stayed empty; up: " + prometheus.query("up") + "\n"
                            + prometheus.query(
                                    "{__name__=~\"georeg_replication_(lag_seconds_count|items_applied_total|queue_items)\"}[3m]")
                            + "\n" + prometheus.log(),
                    e);
        }
    }

    /**
     * The selectors of every loaded rule's query that Prometheus finds no series for (the recording
     * rules' own series, {@code georeg:…}, are left out: they are evaluated, not scraped).
     */
    private static Set<String> emptySelectors() throws Exception {
        Set<String> selectors = new java.util.TreeSet<>();
        for (JsonNode rule : allRules()) {
            Matcher m = SELECTOR.matcher(rule.path("query").asText());
            while (m.find()) {
                selectors.add(m.group());
            }
        }
        assertThat(selectors).as("the rules' selectors").isNotEmpty();
        Set<String> empty = new java.util.TreeSet<>();
        for (String selector : selectors) {
            if (prometheus.query(selector).isEmpty()) {
                empty.add(selector);
            }
        }
        return empty;
    }

    private static JsonNode alert(String name) throws Exception {
        for (JsonNode rule : allRules()) {
            if (name.equals(rule.path("name").asText())) {
                return rule;
            }
        }
        throw new AssertionError("no alert " + name + " loaded");
    }

    private static List<String> outcomes(String selector) throws Exception {
        List<String> out = new ArrayList<>();
        prometheus
                .query("count by (outcome) (" + selector + ")")
                .forEach(r -> out.add(r.path("metric").path("outcome").asText()));
        return out;
    }

    /** Alerts the rule engine holds pending or firing, with their state. */
    private static Map<String, String> firing() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode rule : allRules()) {
            String state = rule.path("state").asText("");
            if (state.equals("pending") || state.equals("firing")) {
                out.put(rule.path("name").asText(), state);
            }
        }
        return out;
    }

    private static List<JsonNode> allRules() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode group : prometheus.rules()) {
            group.path("rules").forEach(out::add);
        }
        return out;
    }

    /** Waits until the rule engine holds {@code name} in one of {@code states} ({@code pending}, {@code firing}). */
    static void awaitAlert(String name, String... states) {
        try {
            await().atMost(NOTICED)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() ->
                            Set.of(states).contains(alert(name).path("state").asText()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    name + " did not become " + String.join(" or ", states) + ": " + describe(name), e);
        }
    }

    private static String describe(String name) {
        try {
            return alert(name).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** The chart's PrometheusRule as {@code helm template} renders it, as a Prometheus rule file. */
    private static String renderedRules() throws Exception {
        var command = new Helm(ROOT.resolve("charts/georeg"))
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion("1.30.0");
        RULE_VALUES.forEach(command::set);
        String manifest = command.call();
        try (var parser = new YAMLFactory().createParser(manifest)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && "PrometheusRule".equals(doc.path("kind").asText())) {
                    return YAML.writeValueAsString(JSON.createObjectNode()
                            .set("groups", doc.path("spec").path("groups")));
                }
            }
        }
        throw new AssertionError("the chart rendered no PrometheusRule with " + RULE_VALUES);
    }

    /**
     * Scrapes as the chart's ServiceMonitor does, with its labels: the router's operator Service
     * (the front process, registry-read in it) and the replicator's Service.
     */
    /** @param withReplicator whether the replicator is a target (false: as once its pods are gone) */
    private static String config(boolean withReplicator) {
        String config = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: [%s]
                scrape_configs:
                  - job_name: georeg
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels: {namespace: %s, service: %s-router-operator, pod: %s-router-0, app_kubernetes_io_component: router}
                """.formatted(rules, sites.routerOperator().getPort(), NAMESPACE, FULLNAME, FULLNAME);
        if (!withReplicator) {
            return config;
        }
        return config + """
                      - targets: ["127.0.0.1:%d"]
                        labels: {namespace: %s, service: %s-replicator, pod: %s-replicator-0, app_kubernetes_io_component: replicator}
                """.formatted(replicatorScrape.port(), NAMESPACE, FULLNAME, FULLNAME);
    }

    private static void aimScrapeAtReplicator() {
        replicatorScrape.aimAt(
                "127.0.0.1",
                sites.replicator.component(ReplicatorComponent.class).uri().getPort());
    }

    /** The PromQL of docs/monitoring.md's "Useful queries": one expression per comment, lines joined. */
    static List<String> documentedQueries() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/monitoring.md"));
        Matcher block =
                Pattern.compile("(?s)## Useful queries\\s+```promql\\n(.*?)```").matcher(doc);
        assertThat(block.find())
                .as("docs/monitoring.md has its Useful queries block")
                .isTrue();
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : block.group(1).split("\n")) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                if (!current.isEmpty()) {
                    out.add(current.toString().strip());
                    current.setLength(0);
                }
            } else {
                current.append(line).append('\n');
            }
        }
        if (!current.isEmpty()) {
            out.add(current.toString().strip());
        }
        assertThat(out).as("useful queries").isNotEmpty();
        return out;
    }

    /** Each dashboard target's PromQL by panel and legend, with Grafana's variables as Grafana fills them here. */
    static Map<String, String> dashboardQueries() throws Exception {
        JsonNode dashboard = JSON.readTree(
                ROOT.resolve("charts/georeg/dashboards/georeg.json").toFile());
        Map<String, String> out = new TreeMap<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                if (!expr.isEmpty()) {
                    out.put(
                            "panel \"" + panel.path("title").asText() + "\" "
                                    + target.path("legendFormat").asText(),
                            expr.replace("$namespace", NAMESPACE).replace("$__rate_interval", "1m"));
                }
            }
        }
        // The namespace variable's own query.
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Matcher m = Pattern.compile("label_values\\((\\w+), (\\w+)\\)")
                    .matcher(variable.path("definition").asText());
            if (m.matches()) {
                out.put(
                        "variable " + variable.path("name").asText(),
                        "count by (" + m.group(2) + ") (" + m.group(1) + ")");
            }
        }
        assertThat(out).as("dashboard queries").isNotEmpty();
        return out;
    }

    /** Pushes a new tag of the sample image through the router; returns the tag. */
    private static String push() throws Exception {
        String tag = "v" + (++pushes);
        sites.push(layouts.resolve("library/alpine"), "3.19", sites.routerHostPort(), "watched/alpine:" + tag);
        return tag;
    }

    private static Digest digest() throws Exception {
        return Digest.sha256(TwoSites.rawManifest(layouts.resolve("library/alpine"), "3.19"));
    }
}
