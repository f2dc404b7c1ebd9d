package io.georeg.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.app.wiring.DatabasePoolMetrics;
import io.georeg.app.wiring.SchemaGuard;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.Migrations;
import io.georeg.ops.BackendWatch;
import io.georeg.ops.BuildInfo;
import io.georeg.ops.JettyMetrics;
import io.georeg.ops.RequestSignals;
import io.georeg.read.server.ReadMetrics;
import io.georeg.replicator.metrics.ReplicatorMetrics;
import io.georeg.replicator.metrics.VerifyMetrics;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.router.RouterMetrics;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.outage.OutageMetrics;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The alerts, the dashboard and the docs name metrics by string; nothing else ties those strings
 * to the code. This test registers every metric class georeg exports, as {@code georeg serve}
 * does (the JVM's through the Prometheus client's instrumentation included), and fails when a
 * chart file, a page of docs/ or the README names a metric that no code exports (an alert that can
 * never fire, a panel that stays empty, a page that describes nothing), or when the code exports a
 * georeg metric docs/monitoring.md does not describe.
 */
class MetricNamesIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final Pattern METRIC = Pattern.compile("\\b(?:georeg|jvm|process)_[a-z0-9_]+");
    /** Names of georeg's shape that are not metrics: the PostgreSQL NOTIFY channels the docs name. */
    private static final Set<String> NOT_METRICS = Set.of("georeg_replica_changes", "georeg_verify_due");

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static Database database;

    @BeforeAll
    static void startDatabase() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
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
        Set<String> documented = namesIn(ROOT.resolve("docs/monitoring.md"));
        assertThat(documented)
                .as("every exported georeg metric is described in docs/monitoring.md")
                .containsAll(
                        exported.stream().filter(n -> n.startsWith("georeg_")).toList());
        assertThat(referenced).as("the alerts and dashboard use some metrics").isNotEmpty();
    }

    /** Names as Prometheus exposes them without type suffixes (a counter {@code x_total} is {@code x}, an info {@code x_info} is {@code x}). */
    private static Set<String> exportedNames() {
        PrometheusRegistry registry = new PrometheusRegistry();
        new ReplicatorMetrics(registry, new WorkQueue(database));
        new VerifyMetrics(registry);
        new RouterMetrics(registry, List.of(new CircuitBreaker("primary", 3), new CircuitBreaker("replica", 3)));
        new OutageMetrics(registry, false, () -> false);
        ReadMetrics.of(registry);
        JettyMetrics.of(registry);
        new RequestSignals(registry);
        DatabasePoolMetrics.register(registry, database);
        BuildInfo.current().register(registry);
        new BackendWatch(Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(1), registry);
        new SchemaGuard(() -> Migrations.status(database.dataSource()), BuildInfo.current(), registry);
        JvmMetrics.builder().register(registry);
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
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
}
