package io.georeg.app.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.testkit.db.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code georeg health} against a running registry-read: its requests are counted by status class
 * and apdex zone (probes and scrapes are not), the gate passes within its thresholds and exits 3
 * when one is crossed, with the same signals in text and JSON.
 */
class HealthCommandIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    @Test
    void theGateJudgesAComponentsRequestsAndClosesWhenAThresholdIsCrossed() throws Exception {
        Map<String, String> env = Map.of(
                "GEOREG_DATABASE_URL",
                DB.jdbcUrl(),
                "GEOREG_DATABASE_USER",
                DB.user(),
                "GEOREG_DATABASE_PASSWORD",
                DB.password(),
                "GEOREG_DATABASE_MIGRATE_ON_START",
                "true",
                "GEOREG_STORAGE_FILESYSTEM_ROOT",
                dir.toString(),
                "GEOREG_COMPONENTS",
                "registry-read",
                "GEOREG_REGISTRY_READ_PORT",
                "0",
                "GEOREG_METRICS_APDEX_SATISFIED",
                "10s",
                "GEOREG_METRICS_APDEX_TOLERATED",
                "40s");
        try (GeoregServer server = new GeoregServer(new ConfigLoader(env).load(Optional.empty())).start();
                HttpClient http = HttpClient.newHttpClient()) {
            URI read = server.component(RegistryReadComponent.class).uri();
            for (int i = 0; i < 20; i++) {
                http.send(HttpRequest.newBuilder(read.resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
                http.send(
                        HttpRequest.newBuilder(read.resolve("/v2/no/such/manifests/latest"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                http.send(
                        HttpRequest.newBuilder(read.resolve("/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
            }

            Run pass = georeg("health", "--url", read.toString(), "--window", "0", "--json");
            assertThat(pass.code()).as(pass.out()).isZero();
            JsonNode signals = new ObjectMapper().readTree(pass.out()).path("signals");
            assertThat(value(signals, "registry-read", "requests"))
                    .as("the API requests, not the probes")
                    .isEqualTo(40);
            assertThat(value(signals, "registry-read", "error_ratio")).isZero();
            assertThat(value(signals, "registry-read", "apdex")).isEqualTo(1.0);

            // Tried: the URLs of two components of one process (every port serves the same
            // registry; here the one port twice). Each request was counted once per URL (80).
            Run twice = georeg("health", "--url", read.toString(), "--url", read.toString(), "--window", "0", "--json");
            assertThat(twice.code()).as(twice.out()).isZero();
            assertThat(value(new ObjectMapper().readTree(twice.out()).path("signals"), "registry-read", "requests"))
                    .as("one process scraped through two URLs counts its requests once")
                    .isEqualTo(40);

            Run fail = georeg("health", "--url", read.toString(), "--window", "0", "--min-requests", "100");
            assertThat(fail.code()).as("too few requests are not judged").isZero();
            assertThat(fail.out()).contains("not judged");

            Run closed = georeg(
                    "health", "--url", read.toString(), "--window", "1s", "--min-requests", "0", "--min-apdex", "1.01");
            assertThat(closed.code()).as(closed.out()).isEqualTo(3);
            assertThat(closed.out()).contains("FAIL", "registry-read apdex");
        }
    }

    private static double value(JsonNode signals, String component, String name) {
        for (JsonNode s : signals) {
            if (s.path("component").asText().equals(component)
                    && s.path("signal").asText().equals(name)) {
                return s.path("value").asDouble();
            }
        }
        throw new AssertionError("no signal " + name + " of " + component + " in " + signals);
    }

    private record Run(int code, String out) {}

    private static Run georeg(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(Map.of());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return new Run(cli.execute(args), out.toString());
    }
}
