package io.georeg.testkit.tools;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real CNCF distribution 2.8 registry (Debian's {@code docker-registry}) as a child process on
 * 127.0.0.1, configured by a {@link DistributionConfig}: the primary of the end-to-end tests, a
 * stand-in replica, a registry promoted onto the replica's storage, the primary of the replicator's
 * tests ({@link #notifying}). distribution cannot listen on port 0, so it starts through
 * {@link FreePort#start} (again on another port if its port was taken before it bound it), and
 * keeps its port across {@link #restart()}. A missing
 * binary fails with how to install it (tests never skip).
 */
public final class Distribution implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final DistributionConfig config;
    private final int port;
    private Process process;
    /** The value of {@link DistributionConfig#INSTANCE_HEADER} the running process answers with. */
    private String instance;

    private Distribution(Path dir, DistributionConfig config, int port) {
        this.dir = dir;
        this.config = config;
        this.port = port;
    }

    /** Fails with the install hint when {@code /usr/bin/docker-registry} is absent. */
    public static void require() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: install CNCF distribution with "
                    + "`apt-get install docker-registry` (scripts/test does it)");
        }
    }

    /**
     * Starts a registry and waits until it answers {@code /v2/} itself (200, or 401 with token auth). The
     * port is picked free just before the start, and another process can take it in between: the
     * registry then exits with "address already in use", and it is started again on another port.
     *
     * @param dir where its config and log go (the storage root is the config's own)
     */
    public static Distribution start(Path dir, DistributionConfig config) {
        require();
        try {
            return FreePort.start(port -> {
                Distribution d = new Distribution(dir, config, port);
                d.startProcess();
                return d;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start docker-registry", e);
        }
    }

    /** A registry whose config, log and filesystem storage ({@code dir/storage}) are all under {@code dir}. */
    public static Distribution storingUnder(Path dir) {
        return storingUnder(dir, UnaryOperator.identity());
    }

    /**
     * As {@link #storingUnder(Path)}, with the test's settings on top of that storage ({@code with…}:
     * TLS, token auth, notifications, deletes).
     */
    public static Distribution storingUnder(Path dir, UnaryOperator<DistributionConfig> configure) {
        return start(dir, configure.apply(DistributionConfig.filesystem(dir.resolve("storage"))));
    }

    /**
     * The primary of the replicator's tests: anonymous, filesystem storage in {@code dir/storage},
     * notifications to {@code notify} with {@code Authorization: Bearer <secret>}, retried quickly.
     */
    public static Distribution notifying(Path dir, URI notify, String secret) {
        return storingUnder(
                dir,
                config -> config.withNotification(
                        DistributionConfig.NotificationEndpoint.bearer("georeg", notify, secret)));
    }

    /** distribution's version as {@code docker-registry --version} prints it, e.g. {@code 2.8.2+ds1}. */
    public static String version() {
        require();
        String out = ToolProcess.run(List.of(BINARY.toString(), "--version"), Map.of(), Duration.ofSeconds(30))
                .requireSuccess()
                .output()
                .strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }

    /** {@code http://127.0.0.1:<port>}, or {@code https://} when it serves TLS. */
    public URI url() {
        return URI.create((config.tls().isPresent() ? "https" : "http") + "://127.0.0.1:" + port);
    }

    /** {@code 127.0.0.1:<port>}, as skopeo's {@code docker://} references want it. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public DistributionConfig config() {
        return config;
    }

    /** The {@code config.yml} the registry runs with (e.g. for {@code docker-registry garbage-collect}). */
    public Path configFile() {
        return dir.resolve("config.yml");
    }

    public Path log() {
        return dir.resolve("registry.log");
    }

    /** CPU time (user + system) the running registry process has used so far; zero when not running. */
    public Duration cpuTime() {
        Process p = process;
        return p == null ? Duration.ZERO : p.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Starts the process again (after {@link #stop()}) on the same port and storage, e.g. for outage tests. */
    public void restart() {
        stop();
        startProcess();
    }

    private void startProcess() {
        long logStart;
        try {
            Files.createDirectories(config.storageRoot());
            Path file = configFile();
            // Each process answers with its own header value, so that the wait below cannot take
            // another process that took the port (and answers /v2/) for this one.
            instance = UUID.randomUUID().toString();
            Files.writeString(file, config.yaml(port, instance));
            logStart = Files.exists(log()) ? Files.size(log()) : 0;
            process = new ProcessBuilder(BINARY.toString(), "serve", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY, e);
        }
        HttpClient.Builder probe = HttpClient.newBuilder();
        config.tls().ifPresent(t -> probe.sslContext(t.trust()));
        try (HttpClient client = probe.build()) {
            await("distribution on port " + port)
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!process.isAlive()) {
                            return true;
                        }
                        try {
                            HttpResponse<Void> answer = client.send(
                                    HttpRequest.newBuilder(url().resolve("/v2/"))
                                            .timeout(Duration.ofSeconds(1))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
                            return (answer.statusCode() == 200 || answer.statusCode() == 401)
                                    && answer.headers()
                                            .firstValue(DistributionConfig.INSTANCE_HEADER)
                                            .equals(Optional.of(instance));
                        } catch (IOException e) {
                            return false;
                        }
                    });
        }
        if (!process.isAlive()) {
            String output = logSince(logStart);
            if (output.contains("address already in use")) {
                throw new PortTaken(output);
            }
            throw new AssertionError("docker-registry exited: " + output);
        }
    }

    private String logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(log());
            return new String(
                    all,
                    (int) Math.min(offset, all.length),
                    (int) Math.max(0, all.length - offset),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The registry exited because its port was taken between the pick and its bind ({@link FreePort#taken}). */
    private static final class PortTaken extends UncheckedIOException {
        PortTaken(String output) {
            super(new BindException("docker-registry found its port taken: " + output));
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after 10 s); the storage stays. */
    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
