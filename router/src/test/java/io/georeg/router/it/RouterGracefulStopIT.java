package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stopping router drains (what a rolling upgrade relies on): {@link Router#close()} first stops
 * the public port from accepting connections, and a request already in flight, a manifest push
 * still waiting for the primary, completes with the primary's answer before the router is gone.
 */
class RouterGracefulStopIT {
    private final FakeUpstream primary;
    private final FakeUpstream replica;
    private final HttpClient client = new HttpClient();

    RouterGracefulStopIT() throws Exception {
        primary = new FakeUpstream();
        replica = new FakeUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        primary.close();
        replica.close();
    }

    @Test
    void aRequestInFlightFinishesWhileTheStoppingRouterRefusesNewConnections() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        primary.answer((req, resp, cb) -> {
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            resp.setStatus(201);
            resp.getHeaders().put("Docker-Content-Digest", "sha256:" + "c".repeat(64));
            resp.write(true, ByteBuffer.allocate(0), cb);
        });
        RouterConfig config = RouterConfig.of(
                URI.create("https://registry.example.com"),
                0,
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        Router router = new Router(config, null, new PrometheusRegistry()).start();
        int port = router.localUrl().getPort();
        client.start();

        CompletableFuture<ContentResponse> push = new CompletableResponseListener(
                        client.newRequest(router.localUrl() + "/v2/team/app/manifests/v1")
                                .method("PUT")
                                .headers(h -> h.put("Content-Type", "application/vnd.oci.image.manifest.v1+json"))
                                .body(new BytesRequestContent("{}".getBytes())))
                .send();
        await("the push reached the primary")
                .atMost(Duration.ofSeconds(30))
                .until(() -> primary.seen().stream().anyMatch(s -> s.method().equals("PUT")));

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
            try {
                router.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await("the stopping router refuses new connections")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !accepts(port));
        assertThat(push).as("the push in flight is not cut off").isNotDone();

        release.countDown();
        assertThat(push.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(201);
        stopping.get(30, TimeUnit.SECONDS);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
