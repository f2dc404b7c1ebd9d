package io.georeg.testkit.tools;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus}, with {@code promtool}) for the tests of
 * what georeg's alerts, dashboard and docs query: it scrapes georeg's processes on 127.0.0.1 and
 * evaluates rule files as a production Prometheus does, and its HTTP API answers the queries.
 * Its configuration, TSDB and log stay under the test's directory.
 */
public final class Prometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private Prometheus(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The {@code prometheus} executable; fails with the install hint when it is absent. */
    public static Path require() {
        promtool();
        return ToolProcess.require("prometheus", "prometheus");
    }

    /** {@code promtool}, shipped by the same Debian package. */
    public static Path promtool() {
        return ToolProcess.require("promtool", "prometheus");
    }

    /** {@code promtool check rules}: fails with promtool's own message when a rule file does not load. */
    public static void checkRules(Path rules) {
        ToolProcess.Result r = ToolProcess.run(
                List.of(promtool().toString(), "check", "rules", rules.toString()), Map.of(), Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new AssertionError("promtool check rules " + rules + " failed:\n" + r.output() + r.stderr());
        }
    }

    /**
     * Starts Prometheus with {@code config} (a {@code prometheus.yml}; relative rule files resolve
     * against {@code dir}) on a free loopback port and waits until it is ready.
     */
    public static Prometheus start(Path dir, String config) throws Exception {
        Path binary = require();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("prometheus.yml"), config);
        return FreePort.start(port -> {
            Prometheus p = new Prometheus(dir, port);
            p.startProcess(binary);
            return p;
        });
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** An instant query; fails with Prometheus's error when the expression does not parse or evaluate. */
    public JsonNode query(String promql) throws Exception {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), promql)
                .path("result");
    }

    /** Every rule group with each rule's state, health and last error ({@code /api/v1/rules}). */
    public JsonNode rules() throws Exception {
        return api("/api/v1/rules", "rules").path("groups");
    }

    private JsonNode api(String pathAndQuery, String what) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(url().resolve(pathAndQuery))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("Prometheus refused " + what + ": " + r.statusCode() + " " + r.body());
        }
        return body.path("data");
    }

    /** Replaces the configuration and has Prometheus load it ({@code POST /-/reload}); fails when it refuses it. */
    public void reload(String config) throws Exception {
        Files.writeString(dir.resolve("prometheus.yml"), config);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(url().resolve("/-/reload"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("Prometheus refused its new configuration: " + r.statusCode() + " " + r.body());
        }
    }

    /** Prometheus's log so far (its start, rule loading, scrape errors). */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startProcess(Path binary) {
        try {
            process = new ProcessBuilder(
                            binary.toString(),
                            "--config.file=" + dir.resolve("prometheus.yml"),
                            "--storage.tsdb.path=" + dir.resolve("data-" + port),
                            "--web.listen-address=127.0.0.1:" + port,
                            // POST /-/reload: a test takes a target away as a deleted pod's would go
                            "--web.enable-lifecycle",
                            "--log.level=warn")
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("prometheus.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus", e);
        }
        await("prometheus on port " + port)
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !process.isAlive() || ready());
        if (!process.isAlive()) {
            String log = log();
            if (log.contains("address already in use")) {
                throw new UncheckedIOException(new BindException("prometheus found its port taken: " + log));
            }
            throw new AssertionError("prometheus exited: " + log);
        }
    }

    private boolean ready() {
        try {
            return http.send(
                                    HttpRequest.newBuilder(url().resolve("/-/ready"))
                                            .timeout(Duration.ofSeconds(1))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
