package io.georeg.replicator.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real CNCF distribution 2.8 registry (Debian's {@code docker-registry}) as the primary: a child
 * process on 127.0.0.1 with filesystem storage in a temp dir, deletes enabled, and notifications
 * sent to the replicator's intake with the shared secret, retried quickly ({@code threshold},
 * {@code backoff} small) so tests see the registry's real retry behaviour without waiting long.
 * distribution cannot listen on port 0, so a free port is picked first.
 */
public final class DistributionPrimary implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Path dir;
    private final int port;
    private final URI notify;
    private final String secret;
    private Process process;

    private DistributionPrimary(Path dir, int port, URI notify, String secret) {
        this.dir = dir;
        this.port = port;
        this.notify = notify;
        this.secret = secret;
    }

    /** Starts a registry that sends its notifications to {@code notify} with {@code Authorization: Bearer <secret>}. */
    public static DistributionPrimary start(Path dir, URI notify, String secret) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install CNCF distribution with "
                    + "`sudo apt-get install docker-registry` (scripts/test does it)");
        }
        DistributionPrimary d = new DistributionPrimary(dir, freePort(), notify, secret);
        d.startProcess();
        return d;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** {@code 127.0.0.1:<port>}, as skopeo's docker:// references want it. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public Path log() {
        return dir.resolve("registry.log");
    }

    private void startProcess() {
        try {
            Files.createDirectories(dir.resolve("storage"));
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                      maintenance:
                        uploadpurging:
                          enabled: false
                    http:
                      addr: 127.0.0.1:%d
                      secret: replicator-it-secret
                    notifications:
                      events:
                        includereferences: true
                      endpoints:
                        - name: georeg
                          url: %s
                          headers:
                            Authorization: [Bearer %s]
                          timeout: 5s
                          threshold: 3
                          backoff: 200ms
                    """.formatted(dir.resolve("storage"), port, notify, secret));
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log().toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            await("distribution on port " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("docker-registry exited: " + Files.readString(log()));
                }
                try {
                    return client.send(HttpRequest.newBuilder(url().resolve("/v2/")).timeout(Duration.ofSeconds(1)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
