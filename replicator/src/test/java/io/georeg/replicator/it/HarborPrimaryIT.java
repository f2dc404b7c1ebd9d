package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.ops.Closing;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.primary.CatalogRefusedException;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.primary.PrimaryKind;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.primary.RegistryApiFront;
import io.georeg.testkit.primary.TokenAuthPrimary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Harbor as the primary, by polling: Harbor's webhooks are not distribution notifications, so the
 * replicator gets no events and reconciles on a schedule. A real distribution 2.8 with
 * {@code auth.token} trusting a Harbor-shaped token service ({@code /service/token}, 30-minute
 * tokens) and Harbor's projects API ({@code /api/v2.0/projects/<project>/repositories}, HTTP basic)
 * in front of it; the replicator's account is a robot account ({@code robot$georeg}) with pull on
 * two projects, its secret in a file, and no catalog.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HarborPrimaryIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static final String ROBOT = "robot$georeg";
    private static final String ROBOT_SECRET = "Rb0t-s3cret-for-georeg";

    private static TestTokenEndpoint tokens;
    private static TokenAuthPrimary primary;
    private static RegistryApiFront harbor;
    private static ReplicatorUnderTest replica;
    private static Replicator replicator;
    private static Path secretFile;

    @BeforeAll
    static void start() throws Exception {
        TestTokenIssuer issuer =
                TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "harbor-token-issuer", "harbor-registry");
        tokens = TestTokenEndpoint.builder(issuer)
                .harbor()
                .user("admin", "Harbor12345")
                .grant("admin", "*", "*")
                .user(ROBOT, ROBOT_SECRET)
                .grant(ROBOT, "library/*", "pull")
                .grant(ROBOT, "team/*", "pull")
                .start();
        primary = new TokenAuthPrimary(temp.resolve("primary"), issuer, tokens);
        harbor = RegistryApiFront.harbor(primary.registry().url(), tokens);
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        secretFile = Files.writeString(temp.resolve("robot-secret"), ROBOT_SECRET + "\n");
    }

    private static PrimaryConfig robot() {
        return new PrimaryConfig(
                harbor.url(),
                ROBOT,
                null,
                secretFile,
                PrimaryConfig.DEFAULT_CONNECT_TIMEOUT,
                PrimaryConfig.DEFAULT_REQUEST_TIMEOUT,
                PrimaryKind.HARBOR);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(replica, harbor, primary, tokens);
    }

    @Test
    @Order(1)
    void theRobotAccountGetsTokensFromServiceTokenButNoCatalog() {
        assertThat(tokens.realm().getPath()).isEqualTo("/service/token");
        try (PrimaryClient client = PrimaryClient.create(robot())) {
            assertThatThrownBy(() -> client.catalog().forEachCatalogRepository(r -> {}))
                    .isInstanceOf(CatalogRefusedException.class);
            assertThatThrownBy(() -> client.catalog().forEachRepositoryUnder("secret", r -> {}))
                    .as("a project the robot account has no pull on")
                    .isInstanceOf(CatalogRefusedException.class)
                    .hasMessageContaining("HTTP 403");
        }
    }

    @Test
    @Order(2)
    void scheduledReconcileReplicatesTheRobotsProjectsAndFollowsPushesAndDeletes() {
        Digest nginx = primary.push("library/nginx", "1.27", TestImages.image(201));
        Digest jq = primary.push("library/tools/jq", "1.7", TestImages.image(202));
        Digest app = primary.push("team/app", "v1", TestImages.image(203));
        for (int i = 0; i < 12; i++) {
            primary.push("team/service-" + i, "latest", TestImages.image(210 + i));
        }
        primary.push("secret/vault", "1", TestImages.image(204));
        replicator = replica.build(
                robot(),
                ReplicatorUnderTest.fastRetries(4),
                SyncConfig.everything()
                        .withNamespaces(List.of("library", "team", "secret"))
                        .withReconcileInterval(Duration.ofMillis(500)));
        replicator.start();

        await("the robot's projects replicated by polling")
                .atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> {
                    assertThat(tag("library/nginx", "1.27")).contains(nginx);
                    assertThat(tag("library/tools/jq", "1.7")).contains(jq);
                    assertThat(tag("team/app", "v1")).contains(app);
                    for (int i = 0; i < 12; i++) {
                        assertThat(tag("team/service-" + i, "latest")).isPresent();
                    }
                });
        assertThat(tag("secret/vault", "1")).as("no pull on project secret").isEmpty();

        Digest newer = primary.push("library/nginx", "1.28", TestImages.image(205));
        primary.deleteManifest("team/app", app);
        await("the next passes follow the primary")
                .atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> {
                    assertThat(tag("library/nginx", "1.28")).contains(newer);
                    assertThat(tag("team/app", "v1")).isEmpty();
                });
        assertThat(replica.metrics()).contains("georeg_replication_reconcile_listing_refused_total");
        assertThat(harbor.apiRequests()).isPositive();
        assertThat(DB.queryText("SELECT coalesce(max(errors), 0)::text FROM reconcile_runs WHERE full_pass"))
                .as("each pass reports the refused project")
                .isEqualTo("1");
    }

    private static Optional<Digest> tag(String repository, String tag) {
        return replica.tagDigest(repository, tag);
    }
}
