package io.georeg.app.history;

import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.ops.Closing;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.FreePort;
import io.georeg.testkit.tools.HoldingProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts a history run needs, all real: a distribution primary (deletes enabled, no auth)
 * notifying georeg's replicator, the replicator in a {@code georeg serve} of its own, and two
 * fronts ({@code registry-read,router}, each its own {@code georeg serve}) sharing the one
 * PostgreSQL database and replica storage — two router instances, so that a write through one
 * and a read through the other is part of the history.
 */
final class HistorySites implements AutoCloseable {
    /** The secret the primary sends its notifications with, which the replicator's intake requires. */
    static final String SECRET = "history-notification-secret-0123";

    final Distribution primary;
    /** What the replicator reads the primary through, when the test holds its answers; else null. */
    final HoldingProxy replicatorsPrimary;

    GeoregServer replicator;
    final List<GeoregServer> fronts;
    private final Map<String, String> env = new HashMap<>();
    /** A front started by {@link #startFrontBeside} and not yet in {@link #fronts}. */
    private GeoregServer spare;

    HistorySites(TestDatabase db, Path dir) throws Exception {
        this(db, dir, false);
    }

    /**
     * @param holdReplication the replicator reads the primary through a {@link HoldingProxy}
     *     ({@link #replicatorsPrimary}), so a test can hold a copy between its read of the primary
     *     and its store. The routers go through it too, for they answer pulls from the replica only
     *     while the replicator names the primary by their URL (the binding, replica_primaries); only
     *     the replicator's requests are held, and wait for their answers as long as the test holds
     *     them. The clients talk to the primary directly
     */
    HistorySites(TestDatabase db, Path dir, boolean holdReplication) throws Exception {
        int replicatorPort = FreePort.pick();
        primary = primaryNotifying(dir.resolve("primary"), replicatorPort);
        replicatorsPrimary = holdReplication ? HoldingProxy.to(primary.url(), PrimaryClient.USER_AGENT) : null;
        URI primaryUrl = holdReplication ? replicatorsPrimary.url() : primary.url();
        env.put("GEOREG_DATABASE_URL", db.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", db.user());
        env.put("GEOREG_DATABASE_PASSWORD", db.password());
        env.put("GEOREG_DATABASE_MIGRATE_ON_START", "true");
        env.put("GEOREG_STORAGE_FILESYSTEM_ROOT", dir.resolve("replica-storage").toString());
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        env.put("GEOREG_REPLICATOR_PORT", Integer.toString(replicatorPort));
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", SECRET);
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primaryUrl.toString());
        if (holdReplication) {
            // A held answer is passed on when the test releases it, not when the replicator gives up
            // waiting: a request timed out is retried after the test's later writes, past the hold,
            // and the interleaving the test set up is gone.
            env.put("GEOREG_REPLICATOR_PRIMARY_REQUEST_TIMEOUT", "10m");
        }
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        // registry-read's cache bound is also how long a fence stands after the replica first shows
        // its write (every cache can have heard of it by then): short, so that between the
        // clients' racing writes the replica still serves some reads of the shared tags and the
        // checker judges reads from both sides.
        env.put("GEOREG_REPLICA_CACHE_TAG_TTL", "200ms");
        env.put("GEOREG_ROUTER_PRIMARY_URL", primaryUrl.toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");
        replicator = start(env, "replicator", 0);
        fronts = new ArrayList<>(List.of(
                start(env, "registry-read,router", FreePort.pick()),
                start(env, "registry-read,router", FreePort.pick())));
    }

    /**
     * A distribution primary (deletes enabled, no auth) storing under {@code dir} that notifies
     * its pushes and deletes to a replicator's intake on {@code replicatorPort} with {@link #SECRET}.
     */
    static Distribution primaryNotifying(Path dir, int replicatorPort) {
        return Distribution.storingUnder(
                dir,
                config -> config.withDeleteEnabled(true)
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                        "georeg", URI.create("http://127.0.0.1:" + replicatorPort + "/events"), SECRET)
                                .ignoringPulls()));
    }

    /**
     * A {@code georeg serve} of this release in this JVM with {@code components}; a router on
     * {@code routerPort} (its public URL that port, its operator port any free one) when above 0.
     */
    static GeoregServer start(Map<String, String> base, String components, int routerPort) throws Exception {
        Map<String, String> env = new HashMap<>(base);
        env.put("GEOREG_COMPONENTS", components);
        if (routerPort > 0) {
            env.put("GEOREG_ROUTER_PORT", Integer.toString(routerPort));
            env.put("GEOREG_ROUTER_PUBLIC_URL", "http://127.0.0.1:" + routerPort);
            env.put("GEOREG_ROUTER_OPERATOR_PORT", "0"); // two routers in one test: no fixed operator port
        }
        return new GeoregServer(new ConfigLoader(env).load(Optional.empty())).start();
    }

    /**
     * The settings every {@code georeg serve} of these sites runs with (database, storage, the
     * primary, the replicator's port that the primary notifies), without components or router port.
     */
    Map<String, String> environment() {
        return Map.copyOf(env);
    }

    List<URI> routers() {
        return fronts.stream()
                .map(f -> f.component(RouterComponent.class).uri())
                .toList();
    }

    /** Starts a new front (registry-read and router) on a new port, beside front {@code i}; returns its router. */
    URI startFrontBeside(int i) throws Exception {
        GeoregServer next = start(env, "registry-read,router", FreePort.pick());
        spare = next;
        return next.component(RouterComponent.class).uri();
    }

    /** Stops front {@code i} (its port drains: requests in flight finish) and puts the one started beside it in its place. */
    void replaceFront(int i) throws Exception {
        GeoregServer old = fronts.set(i, spare);
        spare = null;
        old.close();
    }

    /**
     * Stops the replicator (its intake finishes the notification in flight, its workers their
     * items) and starts a new one on the same port, which the primary notifies: notifications sent
     * in between are refused and re-sent by the primary.
     */
    void replaceReplicator() throws Exception {
        replicator.close();
        replicator = start(env, "replicator", 0);
    }

    /** Whether a router answers its readiness probe with 200 (a load balancer would send it traffic). */
    static boolean ready(URI router) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                                    HttpRequest.newBuilder(router.resolve("/-/ready"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** The first front's registry-read, straight (no router): what the replica itself holds. */
    URI replica() {
        return fronts.get(0).component(RegistryReadComponent.class).uri();
    }

    @Override
    public void close() throws Exception {
        Closing.closeAll(spare, fronts.get(1), fronts.get(0), replicatorsPrimary, replicator, primary);
    }
}
