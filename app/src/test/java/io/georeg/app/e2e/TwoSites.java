package io.georeg.app.e2e;

import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.FreePort;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The two sites of the end-to-end tests ({@code TwoSiteIT}, {@code FailoverIT}), with real parts:
 * site A is a distribution primary with token auth (the testkit's GitLab-style {@code /jwt/auth},
 * user {@value #USER}) whose notifications go to georeg's replicator with the shared secret; site B
 * is georeg over the test class's database and a storage directory, in one of two process
 * shapes ({@link Shape}). {@link #environment()} is the configuration that {@code georeg serve}
 * and the CLI commands ({@code georeg drill}, {@code promote}) run with.
 */
final class TwoSites implements AutoCloseable {
    static final String USER = "alice";
    static final String PASSWORD = "s3cret";
    private static final String SECRET = "two-sites-notification-secret-0123";

    /** How site B's georeg runs. */
    enum Shape {
        /** One {@code georeg serve} with every component, the router hosting registry-read in process. */
        ONE_PROCESS,
        /**
         * Two {@code georeg serve} sharing the database and storage: the front (registry-read and
         * the router) and the replicator, so a test can stop replication alone.
         */
        FRONT_AND_REPLICATOR
    }

    final Path dir;
    final TestTokenIssuer issuer;
    final TestTokenEndpoint tokens;
    final Path bundle;
    final Distribution primary;
    private final Map<String, String> env = new HashMap<>();
    /** Registry-read and the router; in {@link Shape#ONE_PROCESS} the replicator too. */
    final GeoregServer front;
    /** The replicator's own process in {@link Shape#FRONT_AND_REPLICATOR}, else null. */
    GeoregServer replicator;

    /**
     * Starts both sites.
     *
     * @param settings {@code GEOREG_*} settings of site B beyond the harness's own (e.g. sync rules, an admin token)
     */
    TwoSites(TestDatabase db, Path dir, Shape shape, Map<String, String> settings) throws Exception {
        this.dir = dir;
        Distribution.require();
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "two-sites-issuer", "two-sites-registry");
        bundle = issuer.writeRootBundle(dir.resolve("root.pem"));
        tokens = TestTokenEndpoint.start(issuer, Map.of(USER, PASSWORD), false);
        int routerPort = FreePort.pick();
        int replicatorPort = FreePort.pick();
        primary = Distribution.start(
                Files.createDirectories(dir.resolve("primary")),
                DistributionConfig.filesystem(dir.resolve("primary-storage"))
                        .withTokenAuth(tokenAuth())
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                "georeg", URI.create("http://127.0.0.1:" + replicatorPort + "/events"), SECRET)));
        env.put("GEOREG_DATABASE_URL", db.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", db.user());
        env.put("GEOREG_DATABASE_PASSWORD", db.password());
        env.put("GEOREG_DATABASE_MIGRATE_ON_START", "true");
        env.put("GEOREG_STORAGE_FILESYSTEM_ROOT", replicaStorage().toString());
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        env.put("GEOREG_AUTH_TOKEN_REALM", tokens.realm().toString());
        env.put("GEOREG_AUTH_TOKEN_SERVICE", issuer.service());
        env.put("GEOREG_AUTH_TOKEN_ISSUER", issuer.issuer());
        env.put("GEOREG_AUTH_TOKEN_ROOT_CERT_BUNDLE", bundle.toString());
        env.put("GEOREG_REPLICATOR_PORT", Integer.toString(replicatorPort));
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", SECRET);
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_REPLICATOR_PRIMARY_USERNAME", USER);
        env.put("GEOREG_REPLICATOR_PRIMARY_PASSWORD", PASSWORD);
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_PORT", Integer.toString(routerPort));
        env.put("GEOREG_ROUTER_OPERATOR_PORT", "0");
        env.put("GEOREG_ROUTER_PUBLIC_URL", "http://127.0.0.1:" + routerPort);
        env.put("GEOREG_ROUTER_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_ROUTER_AUTH_URL", tokens.realm().toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");
        env.putAll(settings);
        if (shape == Shape.ONE_PROCESS) {
            front = start("registry-read,replicator,router");
        } else {
            replicator = start("replicator");
            front = start("registry-read,router");
        }
    }

    DistributionConfig.TokenAuth tokenAuth() {
        return new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle);
    }

    Path replicaStorage() {
        return dir.resolve("replica-storage");
    }

    /** Starts one more {@code georeg serve} of site B running {@code components} (comma-separated). */
    GeoregServer start(String components) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        e.put("GEOREG_COMPONENTS", components);
        return new GeoregServer(new ConfigLoader(e).load(Optional.empty())).start();
    }

    /** The configuration of CLI commands run against these sites. */
    Map<String, String> environment() {
        return Map.copyOf(env);
    }

    URI router() {
        return front.component(RouterComponent.class).uri();
    }

    /** The router's operator listener: its admin API, metrics and status page. */
    URI routerOperator() {
        return front.component(RouterComponent.class).operatorUri();
    }

    String routerHostPort() {
        return "127.0.0.1:" + router().getPort();
    }

    URI replica() {
        return front.component(RegistryReadComponent.class).uri();
    }

    void stopReplicator() throws Exception {
        if (replicator != null) {
            replicator.close();
            replicator = null;
        }
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        for (AutoCloseable c : new AutoCloseable[] {front, replicator, primary, tokens}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
