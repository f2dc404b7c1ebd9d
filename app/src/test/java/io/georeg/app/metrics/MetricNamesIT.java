package io.georeg.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.wiring.DatabasePoolMetrics;
import io.georeg.app.wiring.SchemaGuard;
import io.georeg.app.wiring.http.ComponentHttpServer;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.Migrations;
import io.georeg.ops.BackendWatch;
import io.georeg.ops.BuildInfo;
import io.georeg.ops.ClientDeadlines;
import io.georeg.ops.OperationsHandler;
import io.georeg.ops.RequestSignals;
import io.georeg.read.server.ReadMetrics;
import io.georeg.replicator.metrics.ReplicatorMetrics;
import io.georeg.replicator.metrics.VerifyMetrics;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.router.RouterMetrics;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.outage.OutageMetrics;
import io.georeg.router.route.RouteTable;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@code /metrics} exposes, against what names it and what reads it. The process here has
 * every metric class georeg registers, as {@code georeg serve} does: the JVM's through the
 * Prometheus client's instrumentation, a HikariCP pool on PostgreSQL through HikariCP's tracker and
 * the simpleclient bridge, and a component's listener ({@link ComponentHttpServer}) through
 * Dropwizard's Jetty instrumentation and the client's Dropwizard exporter.
 *
 * <p>The alerts, the dashboard and the docs name metrics by string; nothing else ties those strings
 * to the code. The first test fails when a chart file, a page of docs/ or the README names a metric
 * that no code exports (an alert that can never fire, a panel that stays empty, a page that
 * describes nothing), or when the code exports a georeg, HikariCP or Jetty metric
 * docs/monitoring.md does not describe.
 *
 * <p>The pool's and Jetty's metrics come through modules of the Prometheus client older than its
 * core (the simpleclient bridge and the Dropwizard exporter at 1.3.10, core 1.10.0; see the parent
 * pom). The second test reads the listener's {@code /metrics} over HTTP with the Python
 * Prometheus client's parser (one that shares no code with the writer) and finds each module's
 * families with their types and samples that show them measuring.
 */
class MetricNamesIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    /** Families named in full by docs/monitoring.md (the JVM's and the process's are described by module). */
    private static final Pattern DOCUMENTED = Pattern.compile("^(?:georeg|hikaricp|org_eclipse_jetty)_.*");

    private static final Pattern METRIC =
            Pattern.compile("\\b(?:georeg|jvm|process|hikaricp|org_eclipse_jetty)_[A-Za-z0-9_]*[A-Za-z0-9]");
    /** Names of georeg's shape that are not metrics: the PostgreSQL NOTIFY channels the docs name. */
    private static final Set<String> NOT_METRICS = Set.of("georeg_replica_changes", "georeg_verify_due");

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Reads an exposition on stdin; prints its families, types and samples as JSON, or fails. */
    private static final String PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            families = [
                {"name": f.name, "type": f.type,
                 "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                for f in text_string_to_metric_families(sys.stdin.read())]
            json.dump(families, sys.stdout)
            """;

    private static final PrometheusRegistry REGISTRY = new PrometheusRegistry();
    private static Database database;
    private static ComponentHttpServer server;

    @BeforeAll
    static void startProcess() throws Exception {
        database = new Database(
                        DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                                .withMigrateOnStart(true),
                        DatabasePoolMetrics.register(REGISTRY))
                .start();
        try (Connection c = database.dataSource().getConnection()) {
            assertThat(c.isValid(5)).isTrue();
        }
        registerEveryMetricClass(REGISTRY);
        server = new ComponentHttpServer(
                        "registry-read",
                        "127.0.0.1",
                        0,
                        16,
                        new HttpConfiguration(),
                        new ClientDeadlines(Duration.ofSeconds(10), Duration.ofMinutes(1)),
                        null,
                        new OperationsHandler(REGISTRY, List.of()),
                        List.of(),
                        UnaryOperator.identity())
                .start();
    }

    @AfterAll
    static void stopProcess() throws Exception {
        if (server != null) {
            server.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void everyMetricTheChartAndDocsNameIsExportedAndEveryExportedMetricIsDocumented() throws IOException {
        Set<String> exported = exportedNames();
        assertThat(exported)
                .as("metrics registered by the replicator, verifier and router")
                .isNotEmpty();

        Set<String> referenced = new TreeSet<>();
        for (Path file : referencingFiles()) {
            Set<String> names = namesIn(file);
            assertThat(exported)
                    .as("metrics named in %s must be exported by the code", ROOT.relativize(file))
                    .containsAll(names);
            referenced.addAll(names);
        }
        assertThat(exported)
                .as("the pool's and Jetty's families are exported")
                .contains("hikaricp_active_connections", "org_eclipse_jetty_util_thread_QueuedThreadPool_jobs");
        Set<String> documented = namesIn(ROOT.resolve("docs/monitoring.md"));
        assertThat(documented)
                .as("every exported georeg, HikariCP and Jetty metric is described in docs/monitoring.md")
                .containsAll(exported.stream()
                        .filter(n -> DOCUMENTED.matcher(n).matches())
                        .toList());
        assertThat(referenced).as("the alerts and dashboard use some metrics").isNotEmpty();
    }

    private static void registerEveryMetricClass(PrometheusRegistry registry) {
        new ReplicatorMetrics(registry, new WorkQueue(database));
        new VerifyMetrics(registry);
        new RouterMetrics(
                registry,
                List.of(new CircuitBreaker("primary", 3), new CircuitBreaker("replica", 3)),
                RouteTable.oci("/auth"));
        new OutageMetrics(registry, false, () -> false);
        ReadMetrics.of(registry);
        new RequestSignals(registry);
        BuildInfo.current().register(registry);
        new BackendWatch(Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(1), registry);
        new SchemaGuard(() -> Migrations.status(database.dataSource()), BuildInfo.current(), registry);
        JvmMetrics.builder().register(registry);
    }

    /** Names as Prometheus exposes them without type suffixes (a counter {@code x_total} is {@code x}, an info {@code x_info} is {@code x}). */
    private static Set<String> exportedNames() {
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot snapshot : REGISTRY.scrape()) {
            names.add(snapshot.getMetadata().getPrometheusName());
        }
        return names;
    }

    private static List<Path> referencingFiles() throws IOException {
        try (Stream<Path> chart = Files.walk(ROOT.resolve("charts/georeg"))) {
            return Stream.concat(
                            chart.filter(Files::isRegularFile)
                                    .filter(p -> p.toString().endsWith(".yaml")
                                            || p.toString().endsWith(".json")
                                            || p.toString().endsWith(".tpl")
                                            || p.toString().endsWith(".txt")),
                            docs())
                    .toList();
        }
    }

    private static Stream<Path> docs() throws IOException {
        try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
            List<Path> all = new java.util.ArrayList<>(
                    pages.filter(p -> p.toString().endsWith(".md")).sorted().toList());
            all.add(ROOT.resolve("README.md"));
            return all.stream();
        }
    }

    private static Set<String> namesIn(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(Files.readString(file));
        while (m.find()) {
            String name = m.group().replaceFirst("_(total|bucket|count|sum|created|info)$", "");
            if (!NOT_METRICS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void theMetricsPageParsesWithThePoolsAndJettysFamiliesMeasuring() throws Exception {
        HttpResponse<String> page;
        try (HttpClient http = HttpClient.newHttpClient()) {
            page = http.send(
                    HttpRequest.newBuilder(server.uri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));

        Map<String, JsonNode> families = new HashMap<>();
        for (JsonNode family : parse(page.body())) {
            assertThat(families.put(family.get("name").asText(), family))
                    .as("family %s appears once", family.get("name").asText())
                    .isNull();
        }
        assertThat(families)
                .hasEntrySatisfying("hikaricp_max_connections", f -> assertType(f, "gauge"))
                .hasEntrySatisfying("hikaricp_active_connections", f -> assertType(f, "gauge"))
                .hasEntrySatisfying("hikaricp_connection_acquired_nanos", f -> assertType(f, "histogram"))
                .hasEntrySatisfying("hikaricp_connection_timeout", f -> assertType(f, "counter"))
                .hasEntrySatisfying(
                        "org_eclipse_jetty_util_thread_QueuedThreadPool_utilization_max", f -> assertType(f, "gauge"))
                .hasEntrySatisfying("org_eclipse_jetty_util_thread_QueuedThreadPool_jobs", f -> assertType(f, "gauge"))
                .hasEntrySatisfying(
                        "org_eclipse_jetty_server_HttpConnectionFactory_connections", f -> assertType(f, "summary"))
                .hasEntrySatisfying(
                        "org_eclipse_jetty_server_HttpConnectionFactory_active_connections",
                        // it goes down as connections close: a gauge, never a counter
                        f -> assertType(f, "gauge"))
                .hasEntrySatisfying("jvm_memory_used_bytes", f -> assertType(f, "gauge"));

        Map<String, String> pool = Map.of("pool", "georeg-db");
        assertThat(value(families, "hikaricp_max_connections", "hikaricp_max_connections", pool))
                .isEqualTo(database.config().maxPoolSize());
        assertThat(value(
                        families,
                        "hikaricp_connection_acquired_nanos",
                        "hikaricp_connection_acquired_nanos_count",
                        pool))
                .as("the connection the test took, and the migrations'")
                .isGreaterThanOrEqualTo(1);
        Map<String, String> listener = Map.of("listener", "registry-read");
        assertThat(value(
                        families,
                        "org_eclipse_jetty_server_HttpConnectionFactory_active_connections",
                        "org_eclipse_jetty_server_HttpConnectionFactory_active_connections",
                        listener))
                .as("the scrape's own connection")
                .isGreaterThanOrEqualTo(1);
        assertThat(value(
                        families,
                        "org_eclipse_jetty_util_thread_QueuedThreadPool_size",
                        "org_eclipse_jetty_util_thread_QueuedThreadPool_size",
                        listener))
                .as("a started pool has its minimum threads")
                .isGreaterThanOrEqualTo(1);
    }

    private static void assertType(JsonNode family, String type) {
        assertThat(family.get("type").asText())
                .as("type of %s", family.get("name").asText())
                .isEqualTo(type);
    }

    /** The value of the one sample {@code sample} of {@code family} whose labels are exactly {@code labels}. */
    private static double value(
            Map<String, JsonNode> families, String family, String sample, Map<String, String> labels) {
        List<Double> values = new ArrayList<>();
        for (JsonNode s : families.get(family).get("samples")) {
            Map<String, String> l = new HashMap<>();
            s.get("labels")
                    .properties()
                    .forEach(e -> l.put(e.getKey(), e.getValue().asText()));
            if (s.get("name").asText().equals(sample) && l.equals(labels)) {
                values.add(s.get("value").asDouble());
            }
        }
        assertThat(values).as("samples %s%s", sample, labels).hasSize(1);
        return values.get(0);
    }

    /** The families the Python client's parser reads in {@code exposition}; its error fails the test. */
    private static JsonNode parse(String exposition) throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            throw new AssertionError(PYTHON + " is missing: install the Python Prometheus client with "
                    + "`apt-get install python3-prometheus-client` (scripts/test does it)");
        }
        Process python = new ProcessBuilder(PYTHON.toString(), "-c", PARSE).start();
        try (OutputStream in = python.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        if (err.contains("No module named 'prometheus_client'")) {
            throw new AssertionError("the Python Prometheus client is missing: install it with "
                    + "`apt-get install python3-prometheus-client` (scripts/test does it)");
        }
        assertThat(python.exitValue())
                .as("the Python client's parser on /metrics: %s%nexposition:%n%s", err, exposition)
                .isZero();
        return new ObjectMapper().readTree(out);
    }
}
