package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.testkit.tools.Distribution;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB layer pushed (chunked PATCH, no Content-Length) and pulled back through a router whose
 * JVM has a 256 MiB heap and exits on OutOfMemoryError: it only passes if the router streams.
 * The primary is a real distribution 2.8; the replica an empty one, so the pull is a fallback.
 */
class RouterMemoryIT {
    private static final long SIZE = 1024L * 1024 * 1024;

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Distribution primary;
    static Distribution replica;
    static Process router;
    static URI routerUrl;

    @BeforeAll
    static void start() throws Exception {
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        replica = FIXTURES.distribution(tmp.resolve("replica"));
        Path log = tmp.resolve("router.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        router = new ProcessBuilder(List.of(
                        java.toString(),
                        "-Xmx256m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-cp",
                        System.getProperty("java.class.path"),
                        RouterMain.class.getName(),
                        primary.url().toString(),
                        replica.url().toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Pattern ready = Pattern.compile("^READY (\\d+)$", Pattern.MULTILINE);
        routerUrl = await("router child JVM listening")
                .atMost(Duration.ofSeconds(90))
                .until(
                        () -> {
                            assertThat(router.isAlive())
                                    .as("router JVM exited: %s", Files.readString(log))
                                    .isTrue();
                            Matcher m = ready.matcher(Files.readString(log));
                            return m.find() ? URI.create("http://127.0.0.1:" + m.group(1)) : null;
                        },
                        Objects::nonNull);
        HttpClient probe = HttpClient.newHttpClient();
        await("router child JVM").atMost(Duration.ofSeconds(90)).until(() -> {
            assertThat(router.isAlive()).as("router JVM exited").isTrue();
            try {
                return probe.send(
                                        HttpRequest.newBuilder(routerUrl.resolve("/-/health"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.getOutputStream().close();
            if (!router.waitFor(10, TimeUnit.SECONDS)) {
                router.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        FIXTURES.close();
    }

    @Test
    void oneGibLayerStreamsBothWaysThroughARouterWith256MibOfHeap() throws Exception {
        String digest = "sha256:" + SeededInputStream.sha256(42, SIZE);
        HttpClient http = HttpClient.newBuilder().build();
        String repo = "/v2/memory/big";

        HttpResponse<Void> start = http.send(
                HttpRequest.newBuilder(routerUrl.resolve(repo + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(start.statusCode()).isEqualTo(202);
        String location = start.headers().firstValue("Location").orElseThrow();
        HttpResponse<Void> patch = http.send(
                HttpRequest.newBuilder(URI.create(location))
                        .header("Content-Type", "application/octet-stream")
                        .timeout(Duration.ofMinutes(3))
                        .method(
                                "PATCH",
                                HttpRequest.BodyPublishers.ofInputStream(() -> new SeededInputStream(42, SIZE)))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(patch.statusCode()).isEqualTo(202);
        assertThat(patch.headers().firstValue("Range")).hasValue("0-" + (SIZE - 1));
        location = patch.headers().firstValue("Location").orElseThrow();
        HttpResponse<Void> put = http.send(
                HttpRequest.newBuilder(URI.create(location + "&digest=" + digest))
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofMinutes(2))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(put.statusCode()).isEqualTo(201);

        HttpResponse<InputStream> get = http.send(
                HttpRequest.newBuilder(routerUrl.resolve(repo + "/blobs/" + digest))
                        .timeout(Duration.ofMinutes(3))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long read = 0;
        try (InputStream in = get.body()) {
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                read += n;
            }
        }
        assertThat(read).isEqualTo(SIZE);
        assertThat("sha256:" + HexFormat.of().formatHex(sha.digest())).isEqualTo(digest);
        assertThat(router.isAlive())
                .as("router JVM still running (no OutOfMemoryError)")
                .isTrue();
    }
}
