package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.ops.Closing;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.primary.CatalogRefusedException;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.primary.PrimaryKind;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.primary.GitLabRegistryApi;
import io.georeg.testkit.primary.RegistryApiFront;
import io.georeg.testkit.primary.TokenAuthPrimary;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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
 * GitLab's container registry as the primary, shaped as GitLab runs it: a real distribution 2.8
 * with {@code auth.token} trusting a GitLab-shaped token service on another port ({@code /jwt/auth},
 * Basic user + token, per-user per-repository grants, the catalog only for administrators,
 * 5-minute tokens), and GitLab's own API ({@code /gitlab/v1/}: the repositories below a path, and
 * renames that notify) in front of it. The replicator reads it with a deploy-token-like account
 * that may pull {@code acme/*} and nothing else, its password from a file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitLabPrimaryIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static final String DEPLOY_USER = "gitlab+deploy-token-7";
    private static final String DEPLOY_TOKEN = "gldt-0123456789abcdef";
    private static final String ADMIN = "root";
    private static final String ADMIN_TOKEN = "glpat-admin-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestTokenIssuer issuer;
    private static TestTokenEndpoint tokens;
    private static TokenAuthPrimary primary;
    private static RegistryApiFront gitlab;
    private static ReplicatorUnderTest replica;
    private static Replicator replicator;
    private static Path passwordFile;
    private static final Map<String, Digest> pushed = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "gitlab-issuer", "container_registry");
        tokens = TestTokenEndpoint.builder(issuer)
                .user(ADMIN, ADMIN_TOKEN)
                .grant(ADMIN, "*", "*")
                .user(DEPLOY_USER, DEPLOY_TOKEN)
                .grant(DEPLOY_USER, "acme/*", "pull")
                .start();
        primary = new TokenAuthPrimary(temp.resolve("primary"), issuer, tokens);
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        gitlab = RegistryApiFront.gitlab(
                primary.registry().url(),
                issuer,
                tokens.realm(),
                primary.storage(),
                new GitLabRegistryApi.Notify(replica.intakeUrl(), ReplicatorUnderTest.SECRET));
        pushed.put("acme/web/app:v1", primary.push("acme/web/app", "v1", TestImages.image(101)));
        pushed.put("acme/web/app:v2", primary.push("acme/web/app", "v2", TestImages.image(102)));
        pushed.put("acme/web/app/worker:1.0", primary.push("acme/web/app/worker", "1.0", TestImages.image(103)));
        pushed.put("acme/tools/cli:1.0", primary.push("acme/tools/cli", "1.0", TestImages.image(104)));
        pushed.put("other/secret:1", primary.push("other/secret", "1", TestImages.image(105)));
        passwordFile = Files.writeString(temp.resolve("deploy-token"), DEPLOY_TOKEN + "\n");
        replicator = replica.build(
                deployToken(),
                ReplicatorUnderTest.fastRetries(4),
                SyncConfig.everything().withNamespaces(List.of("acme")));
        replicator.start();
    }

    private static PrimaryConfig deployToken() {
        return new PrimaryConfig(
                gitlab.url(),
                DEPLOY_USER,
                null,
                passwordFile,
                PrimaryConfig.DEFAULT_CONNECT_TIMEOUT,
                PrimaryConfig.DEFAULT_REQUEST_TIMEOUT,
                PrimaryKind.GITLAB);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(replica, gitlab, primary, tokens);
    }

    @Test
    @Order(1)
    void theDeployTokenGetsNoCatalogSoReconcileListsTheNamespaceWithGitLabsApiAndCopiesEveryTag() {
        try (PrimaryClient client = PrimaryClient.create(deployToken())) {
            assertThatThrownBy(() -> client.catalog().forEachCatalogRepository(r -> {}))
                    .isInstanceOf(CatalogRefusedException.class)
                    .hasMessageContaining("replicator.sync.namespaces");
        }
        int tokensBefore = tokens.requests();

        ReconcileSummary summary = replicator.reconciler().reconcileAll(List.of(), ReconcileProgress.NONE);

        assertThat(summary.errors()).isEmpty();
        assertThat(summary.repositories()).isEqualTo(3);
        assertThat(gitlab.apiRequests()).isPositive();
        assertThat(tokens.requests()).isGreaterThan(tokensBefore);
        await("acme/* replicated").atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(tag("acme/web/app", "v1")).contains(pushed.get("acme/web/app:v1"));
            assertThat(tag("acme/web/app", "v2")).contains(pushed.get("acme/web/app:v2"));
            assertThat(tag("acme/web/app/worker", "1.0")).contains(pushed.get("acme/web/app/worker:1.0"));
            assertThat(tag("acme/tools/cli", "1.0")).contains(pushed.get("acme/tools/cli:1.0"));
        });
        assertThat(tag("other/secret", "1"))
                .as("outside the namespaces and the token's grants")
                .isEmpty();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'"))
                .isZero();
    }

    @Test
    @Order(2)
    void aRenameOnThePrimaryMovesTheReplicatedRepositoriesToTheNewPath() throws Exception {
        HttpResponse<String> renamed = patch("acme/web", "{\"name\": \"site\"}");
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(204);

        await("acme/web moved to acme/site on the secondary")
                .atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> {
                    assertThat(tag("acme/site/app", "v1")).contains(pushed.get("acme/web/app:v1"));
                    assertThat(tag("acme/site/app", "v2")).contains(pushed.get("acme/web/app:v2"));
                    assertThat(tag("acme/site/app/worker", "1.0")).contains(pushed.get("acme/web/app/worker:1.0"));
                    assertThat(tags("acme/web/app")).isEmpty();
                    assertThat(tags("acme/web/app/worker")).isEmpty();
                });
        assertThat(tag("acme/tools/cli", "1.0")).as("outside the renamed path").isPresent();
        String stored = DB.queryText(
                "SELECT event::text FROM replication_event WHERE action = 'rename' ORDER BY received_at LIMIT 1");
        assertThat(stored).contains("\"to\": \"acme/site\"").doesNotContain("eyJmYWtlIjp0cnVlfQ");
    }

    @Test
    @Order(3)
    void aRenameDeliveredAgainOrAPushOfTheOldPathArrivingLateChangesNothing() throws Exception {
        String renameAgain = envelope(
                "rename",
                "{\"repository\": \"acme/web\", \"rename\": {\"type\": \"name\", \"from\": \"acme/web\", \"to\": \"acme/site\"}}");
        String latePush = envelope(
                "push",
                "{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"repository\": \"acme/web/app\", \"tag\": \"v1\","
                        + " \"digest\": \"" + pushed.get("acme/web/app:v1") + "\","
                        + " \"url\": \"http://gitlab/v2/acme/web/app/manifests/v1\"}");
        assertThat(post(renameAgain).statusCode()).isEqualTo(200);
        assertThat(post(latePush).statusCode()).isEqualTo(200);

        awaitQueueDrained();
        assertThat(tags("acme/web/app"))
                .as("the primary has no acme/web/app: the late push moves nothing")
                .isEmpty();
        assertThat(tag("acme/site/app", "v1")).contains(pushed.get("acme/web/app:v1"));
        assertThat(tag("acme/site/app", "v2")).contains(pushed.get("acme/web/app:v2"));
    }

    @Test
    @Order(4)
    void anActionNoRegistrySendsIsRecordedSkippedAndCounted() throws Exception {
        HttpResponse<String> r = post(envelope("replicate", "{\"repository\": \"acme/tools/cli\"}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"accepted\":1");
        assertThat(replica.metrics())
                .contains("georeg_replication_intake_unknown_actions_total{action=\"replicate\"} 1.0");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event WHERE action = 'replicate'"))
                .isEqualTo(1);
    }

    @Test
    @Order(5)
    void withoutNamespacesAReconcileThatTheCatalogRefusesFailsSayingWhatToConfigureAndIsCounted() {
        replica.stopReplicator();
        replicator = replica.build(deployToken(), ReplicatorUnderTest.fastRetries(2), SyncConfig.everything());
        assertThatThrownBy(() -> replicator.reconciler().reconcileAll(List.of(), ReconcileProgress.NONE))
                .isInstanceOf(CatalogRefusedException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("replicator.sync.namespaces")
                .hasMessageContaining("replicator.primary.kind");
        assertThat(replica.metrics()).contains("georeg_replication_reconcile_listing_refused_total 1.0");

        ReconcileSummary preheatOnly = replicator
                .reconciler()
                .reconcileAll(List.of(RepositoryName.of("acme/tools/cli")), ReconcileProgress.NONE);
        assertThat(preheatOnly.repositories()).isEqualTo(1);
        assertThat(preheatOnly.errors()).singleElement().asString().contains("replicator.sync.namespaces");
        assertThat(replica.metrics()).contains("georeg_replication_reconcile_listing_refused_total 2.0");
    }

    private static Optional<Digest> tag(String repository, String tag) {
        return replica.tagDigest(repository, tag);
    }

    private static List<Tag> tags(String repository) {
        return replica.reader().tags(RepositoryName.of(repository), null, 100);
    }

    private static void awaitQueueDrained() {
        await("queue drained")
                .atMost(Duration.ofSeconds(60))
                .until(() ->
                        DB.queryLong("SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')")
                                == 0);
    }

    /** {@code PATCH /gitlab/v1/repositories/<path>/} through GitLab's API, with an administrator's token. */
    private static HttpResponse<String> patch(String path, String body) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> token = http.send(
                    HttpRequest.newBuilder(URI.create(tokens.realm() + "?service=container_registry&scope=repository:"
                                    + path + ":push,pull"))
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + Base64.getEncoder()
                                                    .encodeToString((ADMIN + ":" + ADMIN_TOKEN)
                                                            .getBytes(StandardCharsets.UTF_8)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String bearer = JSON.readTree(token.body()).path("token").asText();
            return http.send(
                    HttpRequest.newBuilder(gitlab.url().resolve("/gitlab/v1/repositories/" + path + "/"))
                            .header("Authorization", "Bearer " + bearer)
                            .header("Content-Type", "application/json")
                            .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private static int sequence;

    private static String envelope(String action, String target) {
        return "{\"events\": [{\"id\": \"gitlab-it-" + action + "-" + (++sequence) + "\", \"timestamp\": \""
                + Instant.now() + "\", \"action\": \"" + action + "\", \"target\": " + target
                + ", \"actor\": {\"name\": \"alice\", \"user_type\": \"human\"}, \"meta\": {\"x\": 1}}]}";
    }

    private static HttpResponse<String> post(String envelope) throws Exception {
        return replica.post(envelope.getBytes(StandardCharsets.UTF_8));
    }
}
