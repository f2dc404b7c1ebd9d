package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.MediaTypes;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache on miss through the router with real parts: Debian's {@code docker-registry}
 * (distribution 2.8) as the primary, pushed to directly and sending no notifications, so the
 * only way content enters the replica is a client's read that the replica missed; one
 * {@code georeg serve} process with registry-read, the replicator and the router; skopeo and
 * plain HTTP as clients.
 */
class CacheOnMissIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OLD_CLIENT_ACCEPT = MediaTypes.DOCKER_MANIFEST;

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static Distribution primary;
    static GeoregServer georeg;
    static RegistryHttp toPrimary;
    static RegistryHttp throughRouter;
    static RegistryHttp toReplica;
    static String router;

    @BeforeAll
    static void start() throws Exception {
        Skopeo.require();
        Distribution.require();
        primary = Distribution.storingUnder(tmp.resolve("primary"));
        Map<String, String> env = new HashMap<>();
        env.put("GEOREG_DATABASE_URL", DB.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", DB.user());
        env.put("GEOREG_DATABASE_PASSWORD", DB.password());
        env.put("GEOREG_DATABASE_MIGRATE_ON_START", "true");
        env.put("GEOREG_STORAGE_FILESYSTEM_ROOT", tmp.resolve("replica-storage").toString());
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        env.put("GEOREG_REPLICATOR_PORT", "0");
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", "cache-on-miss-secret-0123456789");
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        env.put("GEOREG_REPLICATOR_SYNC_EXCLUDE", "private/*");
        env.put("GEOREG_ROUTER_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");
        georeg = TestServe.start(env, "registry-read,replicator,router");
        URI routerUrl = georeg.component(RouterComponent.class).uri();
        router = routerUrl.getAuthority();
        toPrimary = new RegistryHttp(primary.url());
        throughRouter = new RegistryHttp(routerUrl);
        toReplica =
                new RegistryHttp(georeg.component(RegistryReadComponent.class).uri());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {toPrimary, throughRouter, toReplica, georeg, primary}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * Issue 10, failure 1: an old client's read of a multi-arch tag (distribution answers it with
     * the amd64 child) must not make the replica store tag -> child: an arm64 client pulling
     * from the replica afterwards still gets the arm64 image.
     */
    @Test
    void anOldClientsReadOfAManifestListReplicatesTheListAndArmClientsGetArm() throws Exception {
        List<TestImage> children = TestImages.multiArch(MediaTypes.DOCKER_MANIFEST, 1010);
        TestManifest list = TestImages.index(MediaTypes.DOCKER_MANIFEST_LIST, children);
        for (TestImage child : children) {
            assertThat(toPrimary
                            .push("multi/app", child.manifest().digest().toString(), child)
                            .status())
                    .isEqualTo(201);
        }
        assertThat(toPrimary
                        .putManifest("multi/app", "v1", list.mediaType(), list.content())
                        .status())
                .isEqualTo(201);
        TestImage amd64 = children.get(0);
        TestImage arm64 = children.get(1);

        RegistryHttp.Answer old = throughRouter.getManifest("multi/app", "v1", OLD_CLIENT_ACCEPT);
        assertThat(old.status()).isEqualTo(200);
        assertThat(old.source()).hasValue("primary-fallback");
        assertThat(old.digest()).hasValue(amd64.manifest().digest());

        // Cache on miss replicates the tag (watched on registry-read's own port: a read through the
        // router now would be a second miss, reported again); the replica has what the primary stores.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> toReplica
                                .getManifest("multi/app", "v1", RegistryHttp.ACCEPT_ALL)
                                .status()
                        == 200);
        RegistryHttp.Answer replicated = throughRouter.getManifest("multi/app", "v1", RegistryHttp.ACCEPT_ALL);
        assertThat(replicated.source()).hasValue("replica");
        assertThat(replicated.digest()).hasValue(list.digest());
        assertThat(replicated.body()).isEqualTo(list.content());

        // An arm64 client through the router gets the arm64 image, from the replica.
        JsonNode inspected = JSON.readTree(Skopeo.require()
                .run(
                        List.of(
                                "inspect",
                                "--override-os",
                                "linux",
                                "--override-arch",
                                "arm64",
                                "--tls-verify=false",
                                "docker://" + router + "/multi/app:v1"),
                        Duration.ofMinutes(1))
                .requireSuccess()
                .output());
        assertThat(inspected.path("Architecture").asText()).isEqualTo("arm64");
        // skopeo's Digest is the tag's (the list's); the layers are the arm64 image's own.
        assertThat(inspected.path("Digest").asText()).isEqualTo(list.digest().toString());
        assertThat(inspected.path("Layers").get(0).asText())
                .isEqualTo(arm64.layers().get(0).digest().toString());

        // The old client now gets from the replica what distribution gives it: the linux/amd64 child.
        RegistryHttp.Answer oldFromReplica = throughRouter.getManifest("multi/app", "v1", OLD_CLIENT_ACCEPT);
        assertThat(oldFromReplica.status()).isEqualTo(200);
        assertThat(oldFromReplica.source()).hasValue("replica");
        assertThat(oldFromReplica.digest()).hasValue(amd64.manifest().digest());
        assertThat(oldFromReplica.header("Content-Type")).hasValue(MediaTypes.DOCKER_MANIFEST);
        assertThat(oldFromReplica.body()).isEqualTo(amd64.manifest().content());
    }

    /** Issue 10, failure 3: a fallback read of a repository that selective sync leaves out queues nothing. */
    @Test
    void aFallbackReadOfAnExcludedRepositoryIsNotReplicated() throws Exception {
        TestImage excluded = TestImages.image(2020);
        TestImage included = TestImages.image(2021);
        assertThat(toPrimary.push("private/app", "v1", excluded).status()).isEqualTo(201);
        assertThat(toPrimary.push("public/app", "v1", included).status()).isEqualTo(201);

        // The excluded read first: its report is on its way before the included one is even sent.
        RegistryHttp.Answer privateRead = throughRouter.getManifest("private/app", "v1", RegistryHttp.ACCEPT_ALL);
        assertThat(privateRead.status()).isEqualTo(200);
        assertThat(privateRead.source()).hasValue("primary-fallback");
        assertThat(throughRouter
                        .getManifest("public/app", "v1", RegistryHttp.ACCEPT_ALL)
                        .status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> toReplica
                                .getManifest("public/app", "v1", RegistryHttp.ACCEPT_ALL)
                                .status()
                        == 200);

        assertThat(queuedFor("private/app")).isZero();
        assertThat(throughRouter
                        .getManifest("private/app", "v1", RegistryHttp.ACCEPT_ALL)
                        .source())
                .hasValue("primary-fallback");
    }

    private static int queuedFor(String repository) throws Exception {
        try (Connection c = DB.connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM replication_work WHERE repository = ?")) {
            s.setString(1, repository);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
