package io.georeg.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.app.wiring.DatabasePoolMetrics;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * The alerts, the dashboard and docs/monitoring.md name metrics by string; nothing else ties those
 * strings to the code. This test registers every metric class georeg exports, as
 * {@code georeg serve} does, and fails when a chart file or the monitoring doc names a metric that
 * no code exports (an alert that can never fire), or when the code exports one the doc does not
 * describe.
 */
class MetricNamesIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final Pattern METRIC = Pattern.compile("\\bgeoreg_(?:replication|router|read|http|db)_[a-z_]+");
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
                .as("every exported metric is described in docs/monitoring.md")
                .containsAll(exported);
        assertThat(referenced).as("the alerts and dashboard use some metrics").isNotEmpty();
    }

    /** Names as Prometheus exposes them without type suffixes (a counter {@code x_total} is {@code x}). */
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
                            Stream.of(ROOT.resolve("docs/monitoring.md"), ROOT.resolve("docs/troubleshooting.md")))
                    .toList();
        }
    }

    private static Set<String> namesIn(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(Files.readString(file));
        while (m.find()) {
            names.add(m.group().replaceFirst("_(total|bucket|count|sum|created)$", ""));
        }
        return names;
    }
}
