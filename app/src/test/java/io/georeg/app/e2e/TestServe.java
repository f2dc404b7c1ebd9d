package io.georeg.app.e2e;

import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.testkit.tools.FreePort;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code georeg serve} of a test, started with its {@code GEOREG_*} environment. Every listener
 * binds port 0 except the router's public one: its public URL names its port, so that port is given
 * before the router binds it ({@link FreePort#start}: started again on another port when another
 * process took it first). The operator listener binds port 0 too, so several routers fit in one test.
 */
public final class TestServe {
    private TestServe() {}

    /** Starts {@code components} (comma-separated, e.g. {@code registry-read,router}); the router's port is chosen here. */
    public static GeoregServer start(Map<String, String> base, String components) throws Exception {
        if (!components.contains("router")) {
            return serve(base, components);
        }
        return FreePort.start(port -> {
            Map<String, String> env = new HashMap<>(base);
            env.put("GEOREG_ROUTER_PORT", Integer.toString(port));
            env.put("GEOREG_ROUTER_PUBLIC_URL", "http://127.0.0.1:" + port);
            env.put("GEOREG_ROUTER_OPERATOR_PORT", "0");
            return serve(env, components);
        });
    }

    private static GeoregServer serve(Map<String, String> base, String components) throws Exception {
        Map<String, String> env = new HashMap<>(base);
        env.put("GEOREG_COMPONENTS", components);
        // A start that fails stops what it started (GeoregServer.start), so it can be tried again.
        return new GeoregServer(new ConfigLoader(env).load(Optional.empty())).start();
    }
}
