package io.georeg.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.DatabaseConfig;
import io.georeg.read.ReadOptions;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.verify.VerifyConfig;
import io.georeg.router.RouterConfig;
import io.georeg.storage.StorageConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An empty configuration is {@link ConfigDefaults}, the one source of defaults: written out as a
 * tree and bound back, nothing is lost or changed, and the tuning of each section is its
 * module's own defaults record.
 */
class ConfigDefaultsTest {
    @TempDir
    Path dir;

    private GeoregConfig empty() throws Exception {
        Path file = Files.writeString(dir.resolve("empty.yaml"), "");
        return new ConfigLoader(Map.of()).load(Optional.of(file));
    }

    @Test
    void anEmptyConfigurationFileIsNoConfigurationFile() throws Exception {
        assertThat(empty()).isEqualTo(new ConfigLoader(Map.of()).load(Optional.empty()));
    }

    @Test
    void anEmptyConfigurationEqualsTheDefaults() throws Exception {
        assertThat(empty()).isEqualTo(ConfigDefaults.configuration());
    }

    @Test
    void anEmptyConfigurationHoldsEveryModulesOwnDefaults() throws Exception {
        GeoregConfig config = empty();

        DatabaseConfig database = DatabaseConfig.of("jdbc:postgresql://127.0.0.1:5432/georeg", "georeg", "georeg");
        assertThat(config.database()).isEqualTo(database);
        assertThat(config.replica()).isEqualTo(ReplicaReadOptions.streamOnly());
        ReadOptions read = ReadOptions.defaults();
        assertThat(config.registryRead())
                .isEqualTo(new ReadOptions(
                        "127.0.0.1",
                        5001,
                        read.maxPageSize(),
                        read.blobBufferBytes(),
                        read.maxThreads(),
                        read.clients(),
                        ReadOptions.VerifyServedBlobs.ONCE));

        ReplicatorSection replicator = config.replicator();
        assertThat(replicator.intake()).isEqualTo(IntakeConfig.withSecret(null));
        assertThat(replicator.primary()).isEqualTo(PrimaryConfig.anonymous(URI.create("http://127.0.0.1:5000")));
        assertThat(replicator.workers()).isEqualTo(WorkerConfig.defaults());
        assertThat(replicator.sync()).isEqualTo(SyncConfig.everything());
        assertThat(replicator.retention()).isEqualTo(RetentionConfig.defaults());
        assertThat(replicator.verify()).isEqualTo(VerifyConfig.defaults());
        assertThat(replicator.limits()).isEqualTo(new ReplicatorSection.Limits(0));

        RouterSection router = config.router();
        assertThat(router.timeouts()).isEqualTo(RouterConfig.Timeouts.defaults());
        assertThat(router.limits()).isEqualTo(RouterConfig.Limits.defaults());
        assertThat(router.circuit()).isEqualTo(RouterConfig.Circuit.defaults());
        assertThat(router.admin()).isEqualTo(RouterConfig.Admin.defaults());
        RouterConfig routerDefaults = RouterConfig.of(
                URI.create("http://127.0.0.1:5080"),
                5080,
                URI.create("http://127.0.0.1:5000"),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(URI.create("http://127.0.0.1:5001")));
        assertThat(router.fenceTtl()).isEqualTo(routerDefaults.fenceTtl());
        assertThat(router.authPath()).isEqualTo(routerDefaults.authPath());

        assertThat(config.components())
                .containsExactly(ComponentName.REGISTRY_READ, ComponentName.REPLICATOR, ComponentName.ROUTER);
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.storage()).isEqualTo(new StorageSection(null, null, null));
        assertThat(config.storage().selected())
                .isEqualTo(new StorageConfig.Filesystem(Path.of(StorageSection.DEFAULT_ROOT)));
        assertThat(config.auth()).isEqualTo(new AuthSection(null));
        assertThat(List.of(router.bindHost(), replicator.bindHost())).containsOnly("127.0.0.1");
    }
}
