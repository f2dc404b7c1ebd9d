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
 * The two sites of the failover tests, with real parts: a distribution primary with token auth
 * (the testkit's {@code /jwt/auth}) and notifications to georeg's replicator; georeg as two
 * {@code georeg serve} processes sharing one database and storage — the front (registry-read and
 * the router, with an admin token) and the replicator — so a test can stop replication alone and
 * let the secondary fall behind. {@link #environment()} is the configuration the CLI commands
 * ({@code georeg drill}, {@code promote}) run with. Distinct from {@code TwoSiteIT}'s inline set-up,
 * which runs all components in one process.
 */
final class FailoverSites implements AutoCloseable {
    static final String USER = "alice";
    static final String PASSWORD = "s3cret";
    static final String ADMIN_TOKEN = "failover-admin-token-0123456789";
    private static final String SECRET = "failover-notification-secret-0123";

    final Path dir;
    final TestTokenIssuer issuer;
    final TestTokenEndpoint tokens;
    final Path bundle;
    final Distribution primary;
    final Map<String, String> env = new HashMap<>();
    GeoregServer front;
    GeoregServer replicator;

    FailoverSites(TestDatabase db, Path dir) throws Exception {
        this.dir = dir;
        Distribution.require();
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "failover-issuer", "failover-registry");
        bundle = issuer.writeRootBundle(dir.resolve("root.pem"));
        tokens = TestTokenEndpoint.start(issuer, Map.of(USER, PASSWORD), false);
        int routerPort = FreePort.pick();
        int replicatorPort = FreePort.pick();
        primary = Distribution.start(Files.createDirectories(dir.resolve("primary")),
                DistributionConfig.filesystem(dir.resolve("primary-storage")).withTokenAuth(tokenAuth())
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer("georeg",
                                URI.create("http://127.0.0.1:" + replicatorPort + "/events"), SECRET)));
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
        env.put("GEOREG_ROUTER_PUBLIC_URL", "http://127.0.0.1:" + routerPort);
        env.put("GEOREG_ROUTER_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_ROUTER_AUTH_URL", tokens.realm().toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");
        env.put("GEOREG_ROUTER_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("GEOREG_ROUTER_ADMIN_POLL_INTERVAL", "200ms");
        replicator = start("replicator");
        front = start("registry-read,router");
    }

    DistributionConfig.TokenAuth tokenAuth() {
        return new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle);
    }

    Path replicaStorage() {
        return dir.resolve("replica-storage");
    }

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
