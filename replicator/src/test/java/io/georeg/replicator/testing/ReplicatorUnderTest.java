package io.georeg.replicator.testing;

import io.georeg.db.Database;
import io.georeg.egress.PrimaryEgress;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaWriter;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.ReplicatorConfig;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.intake.IntakeHandler;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.StorageConfig;
import io.georeg.testkit.db.TestDatabase;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.server.Server;

/**
 * A whole replicator as {@code georeg serve} would run it, over a test class's own database and a
 * filesystem blob store in a temp dir: the replica's read and write sides, the replicator, and a
 * Jetty server on port 0 serving the intake. The primary's URL may be set after the intake is
 * listening (distribution needs the intake's URL in its configuration first).
 */
public final class ReplicatorUnderTest implements AutoCloseable {
    public static final String SECRET = "replicator-it-shared-secret-0123";

    private final Database database;
    private final BlobStore blobs;
    private final ReplicaReader reader;
    private final ReplicaWriter writer;
    private final Server intakeServer;
    private final IntakeRouter intakeRouter = new IntakeRouter();
    private Replicator replicator;
    private PrometheusRegistry registry;

    public ReplicatorUnderTest(TestDatabase db, Path storage) throws Exception {
        this(db, db.jdbcUrl(), storage);
    }

    /** Connects through {@code jdbcUrl} (e.g. a {@link io.georeg.testkit.tools.TcpRelay} in front of the test database). */
    public ReplicatorUnderTest(TestDatabase db, String jdbcUrl, Path storage) throws Exception {
        this(ReplicatorDatabase.start(jdbcUrl, db), storage);
    }

    /** With the database pool {@code georeg serve} has by default, for the benchmarks. */
    public static ReplicatorUnderTest asShipped(TestDatabase db, Path storage) throws Exception {
        return new ReplicatorUnderTest(ReplicatorDatabase.startAsShipped(db), storage);
    }

    private ReplicatorUnderTest(Database database, Path storage) throws Exception {
        this.database = database;
        this.blobs = BlobStores.open(new StorageConfig.Filesystem(storage));
        this.reader = new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly());
        this.writer = new DatabaseReplicaWriter(database, blobs);
        this.intakeServer = JettyServers.start(intakeRouter);
    }

    public URI intakeUrl() {
        return URI.create("http://127.0.0.1:" + JettyServers.port(intakeServer) + "/events");
    }

    /** Builds and starts the replicator against {@code primary}. */
    public Replicator start(URI primary, WorkerConfig workers) {
        Replicator r = build(primary, workers, SyncConfig.everything());
        r.start();
        return r;
    }

    /** Builds the replicator (intake mounted) without starting its workers. */
    public Replicator build(URI primary, WorkerConfig workers, SyncConfig sync) {
        return build(PrimaryConfig.anonymous(primary), workers, sync);
    }

    /** Builds the replicator for a primary with credentials or of another kind, without starting its workers. */
    public Replicator build(PrimaryConfig primary, WorkerConfig workers, SyncConfig sync) {
        return build(primary, workers, sync, PrimaryEgress.DIRECT);
    }

    /** The same, reaching the primary through {@code egress} (a CA bundle, a proxy). */
    public Replicator build(PrimaryConfig primary, WorkerConfig workers, SyncConfig sync, PrimaryEgress egress) {
        ReplicatorConfig config = ReplicatorConfig.of(IntakeConfig.withSecret(SECRET), primary)
                .withWorkers(workers)
                .withSync(sync)
                .withEgress(egress);
        registry = new PrometheusRegistry();
        replicator = new Replicator(config, database, reader, writer, registry);
        intakeRouter.delegate = replicator.intakeHandler();
        return replicator;
    }

    /** Stops the workers only (as a crash or a restart would), keeping the database and storage. */
    public void stopReplicator() {
        if (replicator != null) {
            intakeRouter.delegate = null;
            replicator.close();
            replicator = null;
        }
    }

    /**
     * Posts a notification envelope to the intake as a primary would: the shared secret, the events
     * media type. For events a test writes itself (re-sent, reordered, or sent before the primary
     * has done what they announce).
     */
    public HttpResponse<String> post(byte[] envelope) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(intakeUrl())
                            .header("Authorization", "Bearer " + SECRET)
                            .header("Content-Type", IntakeHandler.EVENTS_MEDIA_TYPE)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The current replicator's metrics in Prometheus text format. */
    public String metrics() {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Where the replica's tag points now; empty when the replica has no such tag. */
    public java.util.Optional<io.georeg.oci.Digest> tagDigest(String repository, String tag) {
        return reader.manifest(
                        io.georeg.oci.RepositoryName.of(repository),
                        new io.georeg.oci.Reference.ByTag(io.georeg.oci.Tag.of(tag)))
                .map(ReplicaReader.StoredManifest::digest);
    }

    public Replicator replicator() {
        return replicator;
    }

    public Database database() {
        return database;
    }

    public ReplicaReader reader() {
        return reader;
    }

    public ReplicaWriter writer() {
        return writer;
    }

    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public void close() throws Exception {
        stopReplicator();
        intakeServer.stop();
        blobs.close();
        database.close();
    }

    /** Forwards to the current replicator's intake; 503 while there is none (the registry re-sends). */
    private static final class IntakeRouter extends org.eclipse.jetty.server.Handler.Abstract {
        private volatile org.eclipse.jetty.server.Handler delegate;

        @Override
        public boolean handle(
                org.eclipse.jetty.server.Request request,
                org.eclipse.jetty.server.Response response,
                org.eclipse.jetty.util.Callback callback)
                throws Exception {
            org.eclipse.jetty.server.Handler d = delegate;
            if (d == null) {
                response.setStatus(503);
                callback.succeeded();
                return true;
            }
            return d.handle(request, response, callback);
        }
    }

    public static WorkerConfig fastRetries(int concurrency) {
        return WorkerConfig.defaults()
                .withConcurrency(concurrency)
                .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(400))
                .withLease(Duration.ofSeconds(10));
    }
}
