package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.ops.Closing;
import io.georeg.replicator.primary.PrimaryKind;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.primary.GitLabRegistryApi;
import io.georeg.testkit.primary.RegistryApiFront;
import io.georeg.testkit.primary.TokenAuthPrimary;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two sites of the end-to-end tests ({@code TwoSiteIT}, {@code FailoverIT}, the client tests),
 * with real parts: site A is a distribution primary with token auth whose token service is a
 * process of its own (user {@value #USER}), shaped as one of the products georeg runs against
 * ({@link PrimaryKind}, below); site B is georeg over the test class's database and a storage
 * directory, in one of two process shapes ({@link Shape}), configured for that product as an
 * operator would. {@link #environment()} is the configuration that {@code georeg serve} and the
 * CLI commands ({@code georeg reconcile}, {@code drill}, {@code promote}) run with.
 *
 * <ul>
 *   <li>{@link PrimaryKind#DISTRIBUTION}: a GitLab-style {@code /jwt/auth} granting the user
 *       everything (the catalog too); the notifications go to georeg's replicator with the shared
 *       secret, and the replicator reads as the user.</li>
 *   <li>{@link PrimaryKind#GITLAB}: GitLab's shape ({@code /jwt/auth} on another host than the
 *       registry, issuer {@code gitlab-issuer}, service {@code container_registry}, 5-minute
 *       tokens, the catalog for administrators only) and the fake of GitLab's {@code /gitlab/v1/}
 *       API in front of the registry ({@link RegistryApiFront#gitlab}); notifications as above; the
 *       replicator reads with a deploy token ({@value #DEPLOY_USER}, its token in a file) that may
 *       pull {@value #GITLAB_GROUP}{@code /*} only, reconcile lists that group
 *       ({@code replicator.sync.namespaces}) and georeg replicates nothing else
 *       ({@code replicator.sync.include}).</li>
 *   <li>{@link PrimaryKind#HARBOR}: Harbor's shape ({@code /service/token}, issuer
 *       {@code harbor-token-issuer}, service {@code harbor-registry}, 30-minute tokens) and the fake
 *       of Harbor's {@code /api/v2.0/} in front of the registry ({@link RegistryApiFront#harbor});
 *       no notifications: the replicator polls (a reconcile every {@value #HARBOR_POLL}) the
 *       project {@value #HARBOR_PROJECT} with a robot account ({@value #ROBOT}, its secret in a
 *       file) that may pull that project only, and replicates nothing else.</li>
 * </ul>
 *
 * The user may push and pull every repository in each shape. Content put on the primary through
 * {@link #backdoor()} sends no notification.
 */
final class TwoSites implements AutoCloseable {
    static final String USER = "alice";
    static final String PASSWORD = "s3cret";
    /** GitLab: the group deploy token the replicator reads with, and the group it may read. */
    static final String DEPLOY_USER = "gitlab+deploy-token-7";

    static final String DEPLOY_TOKEN = "gldt-two-sites-0123456789";
    static final String GITLAB_GROUP = "acme";
    /** Harbor: the robot account the replicator reads with, the project it may read, the polling interval. */
    static final String ROBOT = "robot$georeg";

    static final String ROBOT_SECRET = "Rb0t-two-sites-secret";
    static final String HARBOR_PROJECT = "library";
    static final String HARBOR_POLL = "1s";
    private static final String SECRET = "two-sites-notification-secret-0123";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** A bound for a loaded 2-core machine, not a timing claim: replication usually takes a second. */
    static final Duration REPLICATION_WAIT = Duration.ofSeconds(90);

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
    final PrimaryKind kind;
    /** The primary's registry: the token-auth distribution ({@link #backdoor()} beside it). */
    final Distribution primary;

    private final TestDatabase db;

    private final TokenAuthPrimary primarySite;
    /** GitLab's or Harbor's API in front of {@link #primary}; null for distribution. */
    private final RegistryApiFront api;
    /** Where the primary sends its notifications: relayed to the replicator running now. */
    private final TcpRelay notifications;

    private final Map<String, String> env = new HashMap<>();
    /** Registry-read and the router; in {@link Shape#ONE_PROCESS} the replicator too. */
    GeoregServer front;
    /** The replicator's own process in {@link Shape#FRONT_AND_REPLICATOR}, else null. */
    GeoregServer replicator;

    /**
     * Starts both sites.
     *
     * @param settings {@code GEOREG_*} settings of site B beyond the harness's own (e.g. sync rules, an admin token)
     */
    TwoSites(TestDatabase db, Path dir, Shape shape, Map<String, String> settings) throws Exception {
        this(db, dir, shape, PrimaryKind.DISTRIBUTION, settings);
    }

    /**
     * Starts both sites, site A shaped as {@code kind}.
     *
     * @param settings {@code GEOREG_*} settings of site B beyond the harness's own (e.g. sync rules, an admin token)
     */
    TwoSites(TestDatabase db, Path dir, Shape shape, PrimaryKind kind, Map<String, String> settings) throws Exception {
        this.db = db;
        this.dir = dir;
        this.kind = kind;
        Distribution.require();
        issuer = switch (kind) {
            case DISTRIBUTION ->
                TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "two-sites-issuer", "two-sites-registry");
            case GITLAB -> TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "gitlab-issuer", "container_registry");
            case HARBOR ->
                TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "harbor-token-issuer", "harbor-registry");
        };
        bundle = issuer.writeRootBundle(dir.resolve("root.pem"));
        tokens = tokenService(kind, issuer);
        // The replicator binds port 0, and the primary, configured before the replicator exists, sends
        // to a relay whose port is bound already and which is aimed at the replicator when it listens.
        notifications = TcpRelay.unaimed();
        URI intake = URI.create("http://127.0.0.1:" + notifications.port() + "/events");
        DistributionConfig registry = DistributionConfig.filesystem(dir.resolve("primary-storage"))
                // Its log then shows every request it answered (the client tests read what it did).
                .withLogLevel("info")
                .withTokenAuth(tokenAuth());
        if (kind != PrimaryKind.HARBOR) {
            // Harbor's webhooks are not distribution's notifications: a Harbor primary is polled.
            registry =
                    registry.withNotification(DistributionConfig.NotificationEndpoint.bearer("georeg", intake, SECRET));
        }
        primarySite = new TokenAuthPrimary(dir.resolve("primary"), registry);
        primary = primarySite.registry();
        api = switch (kind) {
            case DISTRIBUTION -> null;
            case GITLAB ->
                RegistryApiFront.gitlab(
                        primary.url(),
                        issuer,
                        tokens.realm(),
                        primarySite.storage(),
                        new GitLabRegistryApi.Notify(intake, SECRET));
            case HARBOR -> RegistryApiFront.harbor(primary.url(), tokens);
        };
        URI primaryUrl = primaryUrl();
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
        env.put("GEOREG_REPLICATOR_PORT", "0");
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", SECRET);
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primaryUrl.toString());
        env.put("GEOREG_REPLICATOR_PRIMARY_KIND", kind.configName());
        if (kind == PrimaryKind.DISTRIBUTION) {
            env.put("GEOREG_REPLICATOR_PRIMARY_USERNAME", USER);
            env.put("GEOREG_REPLICATOR_PRIMARY_PASSWORD", PASSWORD);
        } else {
            // A deploy token or robot account that reads one namespace, its secret in a file.
            boolean gitlab = kind == PrimaryKind.GITLAB;
            String namespace = gitlab ? GITLAB_GROUP : HARBOR_PROJECT;
            Path secret =
                    Files.writeString(dir.resolve("replicator-secret"), (gitlab ? DEPLOY_TOKEN : ROBOT_SECRET) + "\n");
            env.put("GEOREG_REPLICATOR_PRIMARY_USERNAME", gitlab ? DEPLOY_USER : ROBOT);
            env.put("GEOREG_REPLICATOR_PRIMARY_PASSWORD_FILE", secret.toString());
            env.put("GEOREG_REPLICATOR_SYNC_NAMESPACES", namespace);
            // What the account cannot read is not replicated: no notification or fallback queues it.
            env.put("GEOREG_REPLICATOR_SYNC_INCLUDE", namespace + "/**");
            if (!gitlab) {
                env.put("GEOREG_REPLICATOR_SYNC_RECONCILE_INTERVAL", HARBOR_POLL);
            }
        }
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_PRIMARY_URL", primaryUrl.toString());
        env.put("GEOREG_ROUTER_AUTH_URL", tokens.realm().toString());
        env.put("GEOREG_ROUTER_AUTH_PATH", tokens.realm().getPath());
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

    /** Site A's token service: its users and what each may do, as {@code kind} grants them. */
    private static TestTokenEndpoint tokenService(PrimaryKind kind, TestTokenIssuer issuer) {
        return switch (kind) {
            case DISTRIBUTION -> TestTokenEndpoint.start(issuer, Map.of(USER, PASSWORD), false);
            // A maintainer of every project (no catalog: not an administrator) and the group's deploy token.
            case GITLAB ->
                TestTokenEndpoint.builder(issuer)
                        .user(USER, PASSWORD)
                        .grant(USER, "*", "pull", "push", "delete")
                        .user(DEPLOY_USER, DEPLOY_TOKEN)
                        .grant(DEPLOY_USER, GITLAB_GROUP + "/*", "pull")
                        .start();
            // A project admin everywhere and a robot account with pull on one project.
            case HARBOR ->
                TestTokenEndpoint.builder(issuer)
                        .harbor()
                        .user(USER, PASSWORD)
                        .grant(USER, "*", "pull", "push", "delete")
                        .user(ROBOT, ROBOT_SECRET)
                        .grant(ROBOT, HARBOR_PROJECT + "/*", "pull")
                        .start();
        };
    }

    /** The primary's URL as georeg is configured with it: GitLab's or Harbor's API front, else the registry. */
    URI primaryUrl() {
        return api == null ? primary.url() : api.url();
    }

    /** Requests GitLab's or Harbor's own API answered (the reconcile listings). */
    int apiRequests() {
        return api == null ? 0 : api.apiRequests();
    }

    /**
     * An anonymous registry on the primary's storage that notifies no one: what is pushed there is
     * on the primary without georeg having heard of it (a lost notification, or Harbor).
     */
    Distribution backdoor() {
        return primarySite.backdoor();
    }

    /**
     * The settings of site B's outage tokens ({@code auth.outage}), as on every site with token
     * auth that must serve pulls during an outage: {@code issuer}, and a site key written in {@code dir}.
     */
    static Map<String, String> outageTokens(Path dir, String issuer) throws java.io.IOException {
        Path siteKey =
                Files.writeString(dir.resolve("site-key.pem"), TestSiteKey.ec().privatePem());
        return Map.of("GEOREG_AUTH_OUTAGE_ISSUER", issuer, "GEOREG_AUTH_OUTAGE_SIGNING_KEY_FILE", siteKey.toString());
    }

    DistributionConfig.TokenAuth tokenAuth() {
        return new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle);
    }

    Path replicaStorage() {
        return dir.resolve("replica-storage");
    }

    /**
     * Starts one more {@code georeg serve} of site B running {@code components} (comma-separated):
     * a replicator gets the primary's notifications from then on, a router is named in
     * {@link #environment()}.
     */
    GeoregServer start(String components) throws Exception {
        GeoregServer server = TestServe.start(env, components);
        if (components.contains("replicator")) {
            notifications.aimAt(
                    "127.0.0.1",
                    server.component(ReplicatorComponent.class).uri().getPort());
        }
        if (components.contains("router")) {
            int port = server.component(RouterComponent.class).uri().getPort();
            env.put("GEOREG_ROUTER_PORT", Integer.toString(port));
            env.put("GEOREG_ROUTER_PUBLIC_URL", "http://127.0.0.1:" + port);
            env.put("GEOREG_ROUTER_OPERATOR_PORT", "0");
        }
        return server;
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

    /**
     * Pushes a tag of an OCI layout (an index with every platform) with skopeo and the user's
     * credentials to {@code registry} (the router's or the primary's {@code host:port}) as
     * {@code destination}, digests preserved; returns the digest of the manifest the tag names.
     */
    Digest push(Path layout, String tag, String registry, String destination) throws Exception {
        return push(Skopeo.require(), layout, tag, registry, destination, USER + ":" + PASSWORD);
    }

    /** As {@link #push(Path, String, String, String)} with {@code credentials} ({@code user:password}); for other harnesses too. */
    static Digest push(Skopeo skopeo, Path layout, String tag, String registry, String destination, String credentials)
            throws Exception {
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--preserve-digests",
                                "--dest-tls-verify=false",
                                "--dest-creds",
                                credentials,
                                "oci:" + layout + ":" + tag,
                                "docker://" + registry + "/" + destination),
                        Duration.ofMinutes(1))
                .requireSuccess();
        return Digest.sha256(rawManifest(layout, tag));
    }

    /** Pulls {@code reference} through the router with skopeo as {@value #USER} into {@code dir} ({@code dir:} layout). */
    Path pull(Skopeo skopeo, Path dir, String reference) {
        return pull(skopeo, dir, routerHostPort(), reference, USER + ":" + PASSWORD);
    }

    /** Pulls {@code reference} from {@code registry} ({@code host:port}) with skopeo and {@code credentials} into {@code dir}. */
    static Path pull(Skopeo skopeo, Path dir, String registry, String reference, String credentials) {
        skopeo.run(
                        List.of(
                                "copy",
                                "--src-tls-verify=false",
                                "--src-creds",
                                credentials,
                                "docker://" + registry + "/" + reference,
                                "dir:" + dir),
                        Duration.ofMinutes(1))
                .requireSuccess();
        return dir;
    }

    /** The bytes of the manifest a layout's tag names (index.json's ref.name annotation). */
    static byte[] rawManifest(Path layout, String tag) throws Exception {
        for (var m : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
            if (tag.equals(m.path("annotations").path(OciLayoutWriter.REF_NAME).asText())) {
                return Files.readAllBytes(layout.resolve("blobs/sha256/"
                        + Digest.parse(m.path("digest").asText()).hex()));
            }
        }
        throw new AssertionError("no tag " + tag + " in " + layout);
    }

    /** Waits until registry-read (its own port) serves the tag at the digest: the replicator applied it. */
    void awaitReplicated(String repository, String tag, Digest digest) {
        try {
            awaitReplicated(replica(), repository, tag, digest, () -> token("repository:" + repository + ":pull"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + ReplicationDiagnosis.of(db, primary.log()), e);
        }
    }

    /**
     * Waits until registry-read at {@code replica} serves the tag at the digest, asking with
     * {@code token}'s tokens. Each request has a time limit (one that hangs fails that poll only),
     * and running out says what registry-read answered last.
     */
    static void awaitReplicated(
            URI replica, String repository, String tag, Digest digest, java.util.concurrent.Callable<String> token) {
        java.util.concurrent.atomic.AtomicReference<String> lastAnswer =
                new java.util.concurrent.atomic.AtomicReference<>("none yet");
        try {
            await().atMost(REPLICATION_WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        HttpResponse<byte[]> r = HTTP.send(
                                HttpRequest.newBuilder(replica.resolve("/v2/" + repository + "/manifests/" + tag))
                                        .timeout(Duration.ofSeconds(10))
                                        .header("Authorization", "Bearer " + token.call())
                                        .header("Accept", MediaTypes.ACCEPT_EVERY_MANIFEST)
                                        .build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        lastAnswer.set(r.statusCode() + " "
                                + new String(r.body(), 0, Math.min(r.body().length, 300), StandardCharsets.UTF_8));
                        return r.statusCode() == 200 && Digest.sha256(r.body()).equals(digest);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    repository + ":" + tag + " (" + digest + ") was not replicated within " + REPLICATION_WAIT
                            + "; registry-read answered " + lastAnswer.get(),
                    e);
        }
    }

    /**
     * A token for {@code scope} from the router's token route (the primary's token service
     * behind it), as a client gets one; from the token service directly while the router cannot
     * reach it (the client would have cached it).
     */
    String token(String scope) throws Exception {
        String basic =
                "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        String query = "?service=" + issuer.service() + "&scope=" + scope;
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://" + routerHostPort() + tokens.realm().getPath() + query))
                        .header("Authorization", basic)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return tokenFromService(USER, PASSWORD, scope);
        }
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** A token for {@code scope} from site A's token service itself, for {@code user}. */
    String tokenFromService(String user, String password, String scope) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(tokens.realm() + "?service=" + issuer.service() + "&scope=" + scope))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString(
                                                        (user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("token for " + scope + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** The sum of a router metric's samples whose labels contain all of {@code labels}. */
    double routerMetric(String name, String... labels) throws Exception {
        return MetricsScrape.sum(HTTP, routerOperator().resolve("/metrics"), name, labels);
    }

    /**
     * Changes a {@code GEOREG_*} setting of site B for what starts from now on (a restarted front,
     * a replicator, the CLI's {@link #environment()}), as an operator edits the values and rolls.
     */
    void set(String key, String value) {
        env.put(key, value);
    }

    /** Stops the front (registry-read and the router) and starts it again with the settings now: a rollout. */
    void restartFront() throws Exception {
        front.close();
        front = start("registry-read,router");
    }

    /** Starts the replicator's own process again (after {@link #stopReplicator()}), with the settings now. */
    void startReplicator() throws Exception {
        replicator = start("replicator");
    }

    void stopReplicator() throws Exception {
        notifications.unaim();
        if (replicator != null) {
            replicator.close();
            replicator = null;
        }
    }

    @Override
    public void close() throws Exception {
        Closing.closeAll(front, replicator, api, primarySite, notifications, tokens);
    }
}
