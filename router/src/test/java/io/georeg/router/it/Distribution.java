package io.georeg.router.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real CNCF distribution 2.8 registry (Debian's {@code docker-registry}) as a child process:
 * filesystem storage in a temp dir, loopback only, optional token auth. The router tests use one
 * as the primary and, where a read replica is needed, a second one as a stand-in replica (the
 * same pull API and the same OCI 404s as registry-read).
 */
final class Distribution implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    /** distribution's {@code auth.token} section. */
    record TokenAuth(URI realm, String service, String issuer, Path rootCertBundle) {
    }

    private final Path dir;
    private final int port;
    private final TokenAuth auth;
    private Process process;

    private Distribution(Path dir, int port, TokenAuth auth) {
        this.dir = dir;
        this.port = port;
        this.auth = auth;
    }

    static Distribution start(Path dir, TokenAuth auth) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install CNCF distribution with `sudo apt-get install docker-registry` (scripts/test does it)");
        }
        Distribution d = new Distribution(dir, FreePort.pick(), auth);
        d.startProcess();
        return d;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    int port() {
        return port;
    }

    Path storage() {
        return dir.resolve("storage");
    }

    /** Starts (or restarts, after {@link #stop()}) the process on the same port and storage. */
    void startProcess() {
        try {
            Files.createDirectories(storage());
            Path config = dir.resolve("config.yml");
            Files.writeString(config, config());
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpClient client = HttpClient.newHttpClient();
        await("distribution on port " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            try {
                int status = client.send(HttpRequest.newBuilder(url().resolve("/v2/")).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                return status == 200 || status == 401;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private String config() {
        StringBuilder yml = new StringBuilder("""
                version: 0.1
                log:
                  level: info
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
                  secret: router-it-secret
                """.formatted(storage(), port));
        if (auth != null) {
            yml.append("""
                    auth:
                      token:
                        realm: %s
                        service: %s
                        issuer: %s
                        rootcertbundle: %s
                    """.formatted(auth.realm(), auth.service(), auth.issuer(), auth.rootCertBundle()));
        }
        return yml.toString();
    }

    void stop() {
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

    @Override
    public void close() {
        stop();
    }
}
