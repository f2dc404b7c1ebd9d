package io.georeg.router.it;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;

/**
 * Runs a router in a JVM of its own (so a test can cap its heap): {@code RouterMain <port>
 * <primaryUrl> <replicaUrl>}; prints {@code READY} once listening and stops when stdin closes.
 */
public final class RouterMain {
    private RouterMain() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        RouterConfig config = RouterConfig.of(
                URI.create("http://127.0.0.1:" + port),
                port,
                URI.create(args[1]),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(URI.create(args[2])));
        try (Router router = new Router(config, null, new PrometheusRegistry()).start()) {
            System.out.println("READY " + router.port());
            System.out.flush();
            waitForStdinToClose();
        }
    }

    private static void waitForStdinToClose() throws IOException {
        while (System.in.read() >= 0) {
            // the parent test holds stdin open while it needs the router
        }
    }
}
