package io.georeg.app.config;

import io.georeg.db.DatabaseConfig;
import io.georeg.egress.PrimaryEgress;
import io.georeg.ops.ClientDeadlines;
import io.georeg.read.ReadOptions;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.verify.VerifyConfig;
import io.georeg.router.RouterConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The one source of georeg's configuration defaults: what an empty configuration is. Each
 * module's tuning (pool, caches, workers, retention, verification, router timeouts, limits,
 * circuit, admin) is taken from that module's own defaults, never restated; this class adds only
 * what no module can know, the shape of the local two-site set-up: every component in one
 * process on loopback, the router on 127.0.0.1:5080 in front of a primary registry at
 * 127.0.0.1:5000 with its operator listener on 5081, registry-read on 5001, the replicator on 5002, PostgreSQL at
 * 127.0.0.1:5432/georeg as georeg/georeg. No storage backend means the filesystem under
 * {@value StorageSection#DEFAULT_ROOT}; the notification secret has no default. The {@code health}
 * section belongs to no module, so its defaults are declared here.
 * {@link ConfigLoader} lays the configuration file and the environment over it.
 */
final class ConfigDefaults {
    private static final String LOOPBACK = "127.0.0.1";
    private static final URI PRIMARY = URI.create("http://127.0.0.1:5000");
    private static final int REGISTRY_READ_PORT = 5001;
    private static final int REPLICATOR_PORT = 5002;
    private static final int ROUTER_PORT = 5080;
    private static final int ROUTER_OPERATOR_PORT = 5081;
    /**
     * How often the database and storage are probed, and how long they (and the replica's first
     * answer to a read) may take before reads go to the primary: short, because a user of a
     * healthy primary waits this long at most while the secondary is failing.
     */
    private static final HealthSection HEALTH = new HealthSection(Duration.ofSeconds(2), Duration.ofSeconds(2));

    private ConfigDefaults() {}

    static GeoregConfig configuration() {
        ReadOptions read = ReadOptions.defaults();
        URI registryRead = URI.create("http://" + LOOPBACK + ":" + REGISTRY_READ_PORT);
        RouterConfig router = RouterConfig.of(
                URI.create("http://" + LOOPBACK + ":" + ROUTER_PORT),
                ROUTER_PORT,
                PRIMARY,
                null,
                new RouterConfig.ReplicaEndpoint.Remote(registryRead));
        return new GeoregConfig(
                List.of(ComponentName.values()),
                Duration.ofSeconds(10),
                Duration.ZERO,
                DatabaseConfig.of("jdbc:postgresql://127.0.0.1:5432/georeg", "georeg", "georeg"),
                new StorageSection(null, null, null),
                new AuthSection(null),
                ReplicaReadOptions.streamOnly(),
                new ReadOptions(
                        LOOPBACK,
                        REGISTRY_READ_PORT,
                        read.maxPageSize(),
                        read.blobBufferBytes(),
                        read.maxThreads(),
                        read.clients(),
                        read.verifyServedBlobs()),
                new ReplicatorSection(
                        LOOPBACK,
                        REPLICATOR_PORT,
                        IntakeConfig.withSecret(null),
                        PrimaryConfig.anonymous(PRIMARY),
                        WorkerConfig.defaults(),
                        SyncConfig.everything(),
                        RetentionConfig.defaults(),
                        VerifyConfig.defaults(),
                        new ReplicatorSection.Limits(0),
                        ClientDeadlines.defaults()),
                new RouterSection(
                        router.publicUrl(),
                        router.bindHost(),
                        router.port(),
                        router.primaryUrl(),
                        router.authUrl(),
                        router.authPath(),
                        registryRead,
                        router.timeouts(),
                        router.limits(),
                        router.circuit(),
                        router.fenceTtl(),
                        router.fenceLease(),
                        router.admin(),
                        new RouterConfig.Operator(LOOPBACK, ROUTER_OPERATOR_PORT),
                        router.accessLog()),
                LogFormat.TEXT,
                HEALTH,
                PrimaryEgress.DIRECT,
                MetricsSection.defaults(),
                List.of(),
                null);
    }
}
