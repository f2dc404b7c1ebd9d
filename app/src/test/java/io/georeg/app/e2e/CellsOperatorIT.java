package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.replicator.intake.IntakeHandler;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * What an operator of one secondary in front of two primaries sees, as docs/cells.md describes it:
 * two distribution registries without auth (cell-a, the first and default primary, owns
 * {@code acme}; cell-b owns {@code globex}), each notifying the replicator at its own path, one
 * {@code georeg serve} with every component, skopeo pushing through the router, and the operator's
 * views of it: the router's {@code /metrics} per primary, the answer to a push while its primary is
 * down, {@code georeg reconcile} run from the command line while one primary is down, and the log
 * line of a notification sent to the other primary's intake path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CellsOperatorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** skopeo sends these only when challenged; the registries here never challenge. */
    private static final String ANONYMOUS = "anonymous:anonymous";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    /** The cells by name, in configuration order, and the namespace each owns. */
    static final Map<String, Distribution> CELLS = new LinkedHashMap<>();

    static final Map<String, String> NAMESPACES = Map.of("cell-a", "acme", "cell-b", "globex");

    static TcpRelay notifications;
    /** The one URL clients use (the router's public URL): a relay to the router, which binds port 0. */
    static TcpRelay front;

    static GeoregServer georeg;
    static Path config;
    static Skopeo skopeo;
    static String router;

    @BeforeAll
    static void startTwoCellsAndOneSecondary() throws Exception {
        skopeo = Skopeo.require().withHome(Files.createDirectories(tmp.resolve("skopeo-home")));
        notifications = TcpRelay.unaimed();
        front = TcpRelay.unaimed();
        for (String cell : NAMESPACES.keySet().stream().sorted().toList()) {
            CELLS.put(
                    cell,
                    Distribution.notifying(
                            tmp.resolve(cell),
                            URI.create("http://127.0.0.1:" + notifications.port() + "/events/" + cell),
                            secretOf(cell)));
        }
        config = Files.writeString(tmp.resolve("georeg.yaml"), configuration());
        georeg = new GeoregServer(new ConfigLoader(Map.of()).load(Optional.of(config))).start();
        front.aimAt("127.0.0.1", georeg.component(RouterComponent.class).uri().getPort());
        router = "127.0.0.1:" + front.port();
        notifications.aimAt(
                "127.0.0.1", georeg.component(ReplicatorComponent.class).uri().getPort());
    }

    /** As an operator writes it from docs/cells.md: two primaries, the first the default. */
    private static String configuration() {
        StringBuilder yaml = new StringBuilder(
                """
                components: [registry-read, replicator, router]
                database: {url: '%s', user: %s, password: %s, migrateOnStart: true}
                storage: {filesystem: {root: '%s'}}
                registryRead: {port: 0}
                router:
                  port: 0
                  publicUrl: 'http://127.0.0.1:%d'
                  operator: {port: 0}
                  timeouts: {healthInterval: 200ms, healthTimeout: 500ms}
                replicator: {port: 0, workers: {pollInterval: 200ms}}
                defaultPrimary: cell-a
                primaries:
                """.formatted(DB.jdbcUrl(), DB.user(), DB.password(), tmp.resolve("replica-storage"), front.port()));
        CELLS.forEach((cell, registry) -> yaml.append(
                "  - {name: %s, namespaces: [%s], registryUrl: '%s', intakePath: /events/%s, intakeSecret: %s}%n"
                        .formatted(cell, NAMESPACES.get(cell), registry.url(), cell, secretOf(cell))));
        return yaml.toString();
    }

    @AfterAll
    static void stop() throws Exception {
        // The relays close last, whatever the rest does (null ones are skipped).
        try (TcpRelay n = notifications;
                TcpRelay f = front) {
            if (georeg != null) {
                georeg.close();
            }
            CELLS.values().forEach(Distribution::close);
        }
    }

    @Test
    @Order(1)
    void eachPrimarysRegistryIsMeasuredUnderItsOwnUpstreamName() throws Exception {
        Digest a = push(1, "acme/app", "1");
        Digest b = push(2, "globex/app", "1");
        awaitReplicated("acme/app", "1", a);
        awaitReplicated("globex/app", "1", b);

        // The dashboard's and the alerts' upstream of each primary is the name its circuit has,
        // the first primary's too.
        URI metrics = georeg.component(RouterComponent.class).operatorUri().resolve("/metrics");
        for (String cell : CELLS.keySet()) {
            assertThat(MetricsScrape.sum(
                            HTTP,
                            metrics,
                            "georeg_router_upstream_latency_seconds_count",
                            "upstream=\"primary-" + cell + "\""))
                    .as(cell + "'s exchanges measured under primary-" + cell)
                    .isPositive();
        }
        assertThat(MetricsScrape.sum(
                        HTTP, metrics, "georeg_router_upstream_latency_seconds_count", "upstream=\"primary\""))
                .as("no exchange measured under the single primary's name")
                .isZero();
    }

    @Test
    @Order(2)
    void aPushToAStoppedPrimaryIsRefusedNamingThatPrimaryAndTheOtherPrimaryTakesPushes() throws Exception {
        CELLS.get("cell-a").stop();
        // The first refusals are the proxy's (the connect failed); once the circuit is open, the router's own.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> startUpload("acme/app").body().contains("pulls of replicated content keep working"));
        HttpResponse<String> refused = startUpload("acme/app");
        assertThat(refused.statusCode()).isEqualTo(503);
        JsonNode error = JSON.readTree(refused.body()).path("errors").get(0);
        assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.path("message").asText())
                .as("says which of the primaries a push to acme needs")
                .contains("primary-cell-a")
                .doesNotContain("cell-b");
        // A repository no namespace lists belongs to the default primary, cell-a: refused the same way.
        assertThat(startUpload("other/app").statusCode()).isEqualTo(503);

        Digest b = push(3, "globex/while-a-down", "1");
        awaitReplicated("globex/while-a-down", "1", b);
    }

    @Test
    @Order(3)
    void reconcileCrawlsEveryReachablePrimaryAndNamesTheOneItCouldNotList() throws Exception {
        // cell-a, listed first, is still down.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(Map.of());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("reconcile", "--config", config.toString(), "--json");

        assertThat(exit).as("a primary could not be crawled: " + err).isEqualTo(1);
        JsonNode summary = JSON.readTree(out.toString());
        assertThat(summary.path("repositories").asInt())
                .as("cell-b's repositories crawled after cell-a failed: " + summary)
                .isEqualTo(2);
        assertThat(summary.path("tagsChecked").asInt()).isEqualTo(2);
        assertThat(summary.path("errors")).hasSize(1);
        assertThat(summary.path("errors").get(0).asText())
                .as("names the primary that could not be listed")
                .startsWith("cell-a: ")
                .contains("unreachable");
    }

    @Test
    @Order(4)
    void aNotificationSentToAnotherPrimarysIntakePathIsRefusedAndTheLogSaysWhichPath() throws Exception {
        Logger intakeLog = (Logger) LoggerFactory.getLogger(IntakeHandler.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        intakeLog.addAppender(lines);
        try {
            // cell-b's notification (its secret) sent to cell-a's intake path, as a misconfigured endpoint sends it.
            HttpResponse<String> answer = HTTP.send(
                    HttpRequest.newBuilder(georeg.component(ReplicatorComponent.class)
                                    .uri()
                                    .resolve("/events/cell-a"))
                            .header("Authorization", "Bearer " + secretOf("cell-b"))
                            .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(401);
            // Every primary's notifications may come from one address (an ingress): the path tells them apart.
            assertThat(lines.list)
                    .map(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line)
                            .contains("refused a notification from")
                            .contains(" at /events/cell-a with 401"));
        } finally {
            intakeLog.detachAppender(lines);
        }
    }

    private static HttpResponse<String> startUpload(String repository) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + "/v2/" + repository + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String secretOf(String cell) {
        return cell + "-notification-secret-0123456789";
    }

    /** Pushes a small image as {@code repository:tag} through the router; returns its manifest digest. */
    private static Digest push(long seed, String repository, String tag) throws Exception {
        Path layout = OciLayoutWriter.write(TestImages.image(seed), tag, Files.createTempDirectory(tmp, "layout"));
        return TwoSites.push(skopeo, layout, tag, router, repository + ":" + tag, ANONYMOUS);
    }

    private static void awaitReplicated(String repository, String tag, Digest digest) {
        TwoSites.awaitReplicated(
                georeg.component(RegistryReadComponent.class).uri(), repository, tag, digest, () -> "none");
    }
}
