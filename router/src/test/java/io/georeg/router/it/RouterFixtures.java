package io.georeg.router.it;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.ops.Closing;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.router.RouterConfig;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * What a router IT wires its router to — real distribution registries, the tracking database,
 * registry-read hosted in the router's process, {@link FakeUpstream}s the test scripts, clients —
 * and everything else the test starts (routers, ports held shut) through {@link #add}: each is
 * stopped by {@link #close()} in the reverse order of its start (routers before their upstreams,
 * the database last), and only what did start, so a {@code @BeforeAll} that failed half-way still
 * stops what it started. One per test class (a static field closed in {@code @AfterAll}) or per
 * test (an instance field closed in {@code @AfterEach}). Routers on a loopback URL start through
 * {@link LoopbackRouter}.
 */
final class RouterFixtures implements AutoCloseable {
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /** Stops {@code resource} on {@link #close()}, before whatever was added before it. */
    <T extends AutoCloseable> T add(T resource) {
        started.push(resource);
        return resource;
    }

    /** Starts {@code component} (a Jetty client, say) and stops it on {@link #close()}. */
    <T extends LifeCycle> T started(T component) throws Exception {
        component.start();
        add(component::stop);
        return component;
    }

    /** A scripted upstream on a loopback port, answering 200 "ok" until the test says otherwise. */
    FakeUpstream fakeUpstream() throws Exception {
        return add(new FakeUpstream());
    }

    /** A distribution 2.8 with its config and log in {@code dir} and filesystem storage in {@code dir/storage}. */
    Distribution distribution(Path dir) {
        return distribution(dir, UnaryOperator.identity());
    }

    /** As {@link #distribution(Path)}, with the test's settings on top ({@code with…}: TLS, token auth). */
    Distribution distribution(Path dir, UnaryOperator<DistributionConfig> configure) {
        return add(Distribution.storingUnder(dir, configure));
    }

    /** A pool on the test's database with georeg's schema migrated: fences, admin state, the replica's tracking. */
    Database database(TestDatabase db) {
        return add(new Database(DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password())
                        .withMigrateOnStart(true))
                .start());
    }

    /**
     * An empty replica — tracking in {@code database}, blobs on the filesystem in {@code storage}
     * — which registry-read in the router's process serves and the test writes as the replicator
     * would, so it lags exactly as long as the test says.
     */
    RegistryRead registryRead(Database database, Path storage) throws Exception {
        return add(new RegistryRead(
                database, new DefaultBlobStore(FilesystemObjectStore.open(Files.createDirectories(storage)))));
    }

    /** Stops what started, the last first; the first failure is thrown with the others suppressed. */
    @Override
    public void close() throws Exception {
        AutoCloseable[] lastFirst = started.toArray(AutoCloseable[]::new);
        started.clear();
        Closing.closeAll(lastFirst);
    }

    /** See {@link #registryRead}; closing it closes its blob store. */
    static final class RegistryRead implements AutoCloseable {
        private final Database database;
        private final BlobStore blobs;
        private final DatabaseReplicaWriter writer;

        private RegistryRead(Database database, BlobStore blobs) {
            this.database = database;
            this.blobs = blobs;
            this.writer = new DatabaseReplicaWriter(database, blobs);
        }

        /** The replica's write side, for what {@link #replicate} does not do (deletes). */
        DatabaseReplicaWriter writer() {
            return writer;
        }

        /**
         * registry-read over the replica without a cache, anonymous, as the router's in-process
         * replica: a fence clears as soon as the replica shows the write.
         */
        RouterConfig.ReplicaEndpoint uncached() {
            return uncached(ReadOptions.loopbackEphemeral());
        }

        /** As {@link #uncached()}, with registry-read's {@code options}. */
        RouterConfig.ReplicaEndpoint uncached(ReadOptions options) {
            return new RouterConfig.ReplicaEndpoint.InProcess(handler(options), Duration.ZERO);
        }

        /** As {@link #uncached()}, with {@code authenticator} deciding who may read (token auth) instead of anyone. */
        RouterConfig.ReplicaEndpoint uncached(Authenticator authenticator) {
            return new RouterConfig.ReplicaEndpoint.InProcess(
                    handler(ReadOptions.loopbackEphemeral(), authenticator), Duration.ZERO);
        }

        /** registry-read with its default tag cache, anonymous, as the router's in-process replica. */
        RouterConfig.ReplicaEndpoint cached() {
            return new RouterConfig.ReplicaEndpoint.InProcess(handler(ReadOptions.loopbackEphemeral()));
        }

        private Handler handler(ReadOptions options) {
            return handler(options, Authenticator.anonymous());
        }

        private Handler handler(ReadOptions options, Authenticator authenticator) {
            return RegistryReadServer.handler(
                    new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly()),
                    authenticator,
                    options);
        }

        /** registry-read on a port of its own over the replica, anonymous, as {@code georeg serve} runs it; stop it after. */
        RegistryReadServer server() throws Exception {
            RegistryReadServer server = new RegistryReadServer(
                    new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly()),
                    Authenticator.anonymous(),
                    ReadOptions.loopbackEphemeral());
            server.start();
            return server;
        }

        /** What the replicator does: blobs, then the manifest, then the tag ({@code null}: by digest only). */
        void replicate(String repository, String tag, TestImage image) {
            RepositoryName repo = RepositoryName.of(repository);
            for (TestBlob b : image.blobs()) {
                writer.putBlob(repo, b.digest(), b.size(), b.stream());
            }
            writer.putManifest(
                    repo,
                    image.manifest().content(),
                    image.manifest().mediaType(),
                    image.manifest().digest());
            if (tag != null) {
                writer.tag(repo, Tag.of(tag), image.manifest().digest());
            }
        }

        @Override
        public void close() throws Exception {
            blobs.close();
        }
    }
}
