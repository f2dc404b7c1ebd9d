package io.georeg.router.it;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.tools.FreePort;
import java.io.IOException;
import java.net.URI;

/**
 * Runs a router in a JVM of its own (so a test can cap its heap): {@code RouterMain <primaryUrl>
 * <replicaUrl>}; its public URL names its port, so the port is chosen by {@link FreePort#start};
 * prints {@code READY <port>} once listening and stops when stdin closes.
 */
public final class RouterMain {
    private RouterMain() {}

    public static void main(String[] args) throws Exception {
        try (Router router = LoopbackRouter.start(
                URI.create(args[0]),
                new RouterConfig.ReplicaEndpoint.Remote(URI.create(args[1])),
                LoopbackRouter.WITHOUT_DATABASE)) {
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
