package io.georeg.app.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.app.config.ConfigLoader;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.FreePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first step of {@code georeg serve}'s stop with {@code shutdownDelay}: every port answers
 * {@code /-/ready} with 503 ({@code "serving":"unreachable"}), so that a load balancer or Kubernetes
 * takes the process out of rotation, while each port still accepts connections and serves what
 * arrives, until the delay is over and the ports drain. Without it a pod that was told to stop
 * refuses the connections that were sent to it before its endpoint was removed.
 */
class ShutdownDelayIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    @Test
    void aStoppingProcessTurnsUnreadyOnEveryPortAndGoesOnServingDuringTheDelay() throws Exception {
        int routerPort = FreePort.pick();
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
                dir.resolve("storage").toString(),
                "GEOREG_COMPONENTS",
                "registry-read,router",
                "GEOREG_REGISTRY_READ_PORT",
                "0",
                "GEOREG_ROUTER_PORT",
                Integer.toString(routerPort),
                "GEOREG_ROUTER_PUBLIC_URL",
                "http://127.0.0.1:" + routerPort,
                "GEOREG_ROUTER_OPERATOR_PORT",
                "0");
        try (GeoregServer server = new GeoregServer(new ConfigLoader(env).load(Optional.empty())).start()) {
            List<URI> ports = List.of(
                    server.component(RouterComponent.class).uri(),
                    server.component(RegistryReadComponent.class).uri());
            await("ready")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> ports.stream()
                            .allMatch(p -> get(p.resolve("/-/ready")).statusCode() == 200));

            AtomicReference<Throwable> stopFailure = new AtomicReference<>();
            Thread stopping = Thread.ofPlatform().name("stop-with-delay").start(() -> {
                try {
                    server.stop(Duration.ofMinutes(10));
                } catch (InterruptedException e) {
                    // the test ends the delay once it has seen what happens during it
                } catch (RuntimeException e) {
                    stopFailure.set(e);
                }
            });
            try {
                await("every port unready")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> ports.stream()
                                .allMatch(p -> get(p.resolve("/-/ready")).statusCode() == 503));
                for (URI port : ports) {
                    assertThat(get(port.resolve("/-/ready")).body()).contains("\"serving\":\"unreachable\"");
                    assertThat(get(port.resolve("/v2/")).statusCode())
                            .as("%s still serves during the delay", port)
                            .isEqualTo(200);
                }
            } finally {
                stopping.interrupt();
                stopping.join(Duration.ofSeconds(60));
            }
            assertThat(stopFailure.get()).isNull();
        }
    }

    private static HttpResponse<String> get(URI uri) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + uri, e);
        }
    }
}
