package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.primary.TokenAuthPrimary;
import io.georeg.testkit.tools.Containerd;
import io.georeg.testkit.tools.CtrHttpDump;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import io.georeg.testkit.tools.ToolProcess;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hostname over three primaries (Cells): three distribution registries, each with token auth
 * from its own token service and issuer ({@link Cell}, on testkit's {@link TokenAuthPrimary}), behind one georeg router
 * configured with {@code primaries} — cell-1 owns {@code acme}, cell-2 {@code globex}, cell-3
 * {@code initech} and {@code acme/web} (a longer prefix inside cell-1's). The clients — skopeo,
 * containerd's {@code ctr} and the docker CLI — talk to the one URL only (a relay to the router that
 * keeps the request lines they send, {@link #front}), with one user's credentials that every cell
 * knows. georeg runs every component
 * in one process; each cell notifies the replicator at its own intake path with its own secret, and
 * the replicator copies each repository from its owner into the one storage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CellsIT {
    private static final String USER = "carol";
    private static final String PASSWORD = "cells-password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(2);
    /** Each cell and its namespaces, in configuration order. */
    private static final Map<String, List<String>> CELLS = new LinkedHashMap<>();

    static {
        CELLS.put("cell-1", List.of("acme"));
        CELLS.put("cell-2", List.of("globex"));
        CELLS.put("cell-3", List.of("initech", "acme/web"));
    }

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    /** One cell: its issuer, token service (every user granted everything) and registry. */
    record Cell(TestTokenIssuer issuer, TestTokenEndpoint tokens, Path bundle, TokenAuthPrimary primary)
            implements AutoCloseable {
        static Cell start(Path dir, String name, DistributionConfig.NotificationEndpoint notify) throws Exception {
            TestTokenIssuer issuer =
                    TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, name + "-issuer", name + "-registry");
            Path bundle = issuer.writeRootBundle(Files.createDirectories(dir).resolve("root.pem"));
            TestTokenEndpoint tokens = TestTokenEndpoint.start(issuer, Map.of(USER, PASSWORD), false);
            DistributionConfig config = DistributionConfig.filesystem(dir.resolve("storage"))
                    .withTokenAuth(
                            new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle))
                    .withNotification(notify);
            return new Cell(issuer, tokens, bundle, new TokenAuthPrimary(dir.resolve("registry"), config));
        }

        Distribution registry() {
            return primary.registry();
        }

        @Override
        public void close() {
            try {
                primary.close();
            } finally {
                tokens.close();
            }
        }
    }

    static final Map<String, Cell> primaries = new LinkedHashMap<>();
    /** In cell-1's namespace, pushed into cell-2 past the router: a cell's content that it does not own. */
    private static final String STRAY = "acme/stray";

    /** Each repository the first test pushed, tag 1, and its manifest digest. */
    static final Map<String, Digest> PUSHED = new LinkedHashMap<>();
    /**
     * Where every cell sends its notifications (each at its own path): bound before the cells start,
     * aimed at the replicator once it listens on the port it bound.
     */
    static TcpRelay notifications;
    /**
     * The one URL every client uses: a relay to the router that keeps the request lines clients
     * send, so that a test sees the token requests each client asked the one hostname for, before
     * the router chose a cell and removed the other cells' scopes.
     */
    static TcpRelay front;

    static GeoregServer georeg;
    static Skopeo skopeo;
    static String router;

    @BeforeAll
    static void startThreeCellsAndOneRouter() throws Exception {
        skopeo = Skopeo.require().withHome(Files.createDirectories(tmp.resolve("skopeo-home")));
        notifications = TcpRelay.unaimed();
        front = TcpRelay.unaimed().recordRequestLines();
        for (String cell : CELLS.keySet()) {
            primaries.put(
                    cell,
                    Cell.start(
                            tmp.resolve(cell),
                            cell,
                            DistributionConfig.NotificationEndpoint.bearer(
                                    "georeg",
                                    URI.create("http://127.0.0.1:" + notifications.port() + "/events/" + cell),
                                    secretOf(cell))));
        }
        Path config = Files.writeString(tmp.resolve("georeg.yaml"), configuration(front.port()));
        georeg = new GeoregServer(new ConfigLoader(Map.of()).load(Optional.of(config))).start();
        front.aimAt("127.0.0.1", georeg.component(RouterComponent.class).uri().getPort());
        router = "127.0.0.1:" + front.port();
        notifications.aimAt(
                "127.0.0.1", georeg.component(ReplicatorComponent.class).uri().getPort());
    }

    /**
     * georeg's configuration: every component in one process, every listener on port 0, the public
     * URL (and token realm) the {@link #front} relay's, the three cells as {@code primaries}, and a
     * scheduled reconcile of each cell every {@link #RECONCILE_INTERVAL}.
     */
    private static String configuration(int publicPort) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("components: [registry-read, replicator, router]\n")
                .append("database: {url: '")
                .append(DB.jdbcUrl())
                .append("', user: ")
                .append(DB.user())
                .append(", password: ")
                .append(DB.password())
                .append(", migrateOnStart: true}\n")
                .append("storage: {filesystem: {root: ")
                .append(tmp.resolve("replica-storage"))
                .append("}}\n")
                .append("registryRead: {port: 0}\n")
                // The realm is the router's token route; each primary's service, issuer and bundle are its own.
                .append("auth: {token: {realm: 'http://127.0.0.1:")
                .append(publicPort)
                .append("/jwt/auth', service: cell-1-registry, issuer: cell-1-issuer, rootCertBundle: ")
                .append(primaries.get("cell-1").bundle())
                .append("}}\n")
                .append("router: {port: 0, publicUrl: 'http://127.0.0.1:")
                .append(publicPort)
                .append("', operator: {port: 0}, timeouts: {healthInterval: 200ms, healthTimeout: 500ms}}\n")
                .append("replicator: {port: 0, workers: {pollInterval: 200ms}, sync: {reconcileInterval: ")
                .append(RECONCILE_INTERVAL.toSeconds())
                .append("s}}\n")
                .append("primaries:\n");
        CELLS.forEach((cell, namespaces) -> {
            Cell p = primaries.get(cell);
            yaml.append("  - name: ")
                    .append(cell)
                    .append("\n    namespaces: ")
                    .append(namespaces)
                    .append("\n    registryUrl: ")
                    .append(p.registry().url())
                    .append("\n    authUrl: ")
                    .append(p.tokens().realm())
                    .append("\n    service: ")
                    .append(p.issuer().service())
                    .append("\n    issuer: ")
                    .append(p.issuer().issuer())
                    .append("\n    rootCertBundle: ")
                    .append(p.bundle())
                    .append("\n    intakePath: /events/")
                    .append(cell)
                    .append("\n    intakeSecret: ")
                    .append(secretOf(cell))
                    .append("\n    username: ")
                    .append(USER)
                    .append("\n    password: ")
                    .append(PASSWORD)
                    .append('\n');
        });
        return yaml.toString();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (georeg != null) {
                georeg.close();
            }
            primaries.values().forEach(Cell::close);
        } finally {
            if (notifications != null) {
                notifications.close();
            }
            if (front != null) {
                front.close();
            }
        }
    }

    @Test
    @Order(1)
    void eachCellsNamespacesArePushedToAndPulledFromTheirOwnPrimary() throws Exception {
        Map<String, String> repositories = Map.of(
                "acme/app", "cell-1",
                "globex/app", "cell-2",
                "initech/app", "cell-3",
                "acme/web/frontend", "cell-3");
        long seed = 1;
        for (Map.Entry<String, String> e : repositories.entrySet()) {
            Digest pushed = push(seed++, e.getKey(), "1");
            PUSHED.put(e.getKey(), pushed);
            for (String cell : CELLS.keySet()) {
                assertThat(Files.isDirectory(repositoryDir(cell, e.getKey())))
                        .as(e.getKey() + " stored by " + cell)
                        .isEqualTo(cell.equals(e.getValue()));
            }
            Path back = pull(e.getKey() + ":1");
            assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                    .isEqualTo(pushed);
        }
    }

    @Test
    @Order(2)
    void aCrossCellMountIsDeclinedWithAnUploadSessionOfTheTargetsPrimary() throws Exception {
        Digest layer = Digest.parse(layerOf("acme/app", "1"));
        String token = token("cell-2", "repository:globex/mounted:push,pull", "repository:acme/app:pull");
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + "/v2/globex/mounted/blobs/uploads/?mount="
                                + layer + "&from=acme/app"))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("http://" + router + "/v2/globex/mounted/blobs/uploads/");
        // The session is cell-2's: it answers its status through the router.
        HttpResponse<String> status = HTTP.send(
                HttpRequest.newBuilder(URI.create(location))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(204);
        assertThat(Files.exists(repositoryDir("cell-2", "globex/mounted").resolve("_layers/sha256/" + layer.hex())))
                .as("nothing mounted in cell-2")
                .isFalse();

        // skopeo copying between the cells through the one URL ends with the image in the target's cell.
        int mark = front.requestLines().size();
        skopeo.run(
                        List.of(
                                "copy",
                                "--src-tls-verify=false",
                                "--dest-tls-verify=false",
                                "--src-creds",
                                USER + ":" + PASSWORD,
                                "--dest-creds",
                                USER + ":" + PASSWORD,
                                "docker://" + router + "/acme/app:1",
                                "docker://" + router + "/globex/copied:1"),
                        Duration.ofMinutes(1))
                .requireSuccess();
        // What skopeo sends: one token request with the target's push scope and the mount source's pull scope,
        // two cells' repositories. docs/cells.md cites this.
        assertThat(tokenRequestsSince(mark))
                .as("the scopes of each token request skopeo sent")
                .anySatisfy(scopes -> assertThat(scopes)
                        .containsSubsequence("repository:globex/copied:pull,push", "repository:acme/app:pull"));
        assertThat(Files.isDirectory(repositoryDir("cell-2", "globex/copied"))).isTrue();
        assertThat(Files.isDirectory(repositoryDir("cell-1", "globex/copied"))).isFalse();
        Path copied = pull("globex/copied:1");
        for (JsonNode l :
                JSON.readTree(copied.resolve("manifest.json").toFile()).path("layers")) {
            assertThat(copied.resolve(Digest.parse(l.path("digest").asText()).hex()))
                    .exists();
        }
    }

    @Test
    @Order(3)
    void containerdsMountFromAnotherCellIsDeclinedAndItUploadsTheBlobsToTheTargetsCell() throws Exception {
        Containerd.require();
        String credentials = USER + ":" + PASSWORD;
        try (Containerd containerd = Containerd.start(Files.createDirectories(tmp.resolve("containerd")))) {
            containerd.plainHttpHost(router);
            String hosts = containerd.hostsDir().toString();
            // Fetched, not pulled: a pull unpacks, and the test's layers are not tarballs. containerd labels
            // each blob with the repository it came from, the source of the mounts it tries when it pushes.
            containerd
                    .ctr("content", "fetch", "--user", credentials, "--hosts-dir", hosts, router + "/acme/app:1")
                    .requireSuccess();
            containerd
                    .ctr("images", "tag", router + "/acme/app:1", router + "/globex/ctr:1")
                    .requireSuccess();
            int mark = front.requestLines().size();
            ToolProcess.Result push = containerd
                    .ctr(
                            "images",
                            "push",
                            "--user",
                            credentials,
                            "--hosts-dir",
                            hosts,
                            "--http-dump",
                            // One request at a time: the dump's lines of concurrent requests would interleave.
                            "--max-concurrent-uploaded-layers",
                            "1",
                            router + "/globex/ctr:1")
                    .requireSuccess();

            List<CtrHttpDump.Exchange> exchanges = CtrHttpDump.parse(push.stderr());
            // containerd asks with credentials by POST first (an OAuth2 form, the scopes in its body), which the
            // router refuses with several primaries, then by GET, the scopes in the query.
            assertThat(exchanges)
                    .filteredOn(e -> e.method().equals("POST") && e.path().equals("/jwt/auth"))
                    .extracting(CtrHttpDump.Exchange::status)
                    .isNotEmpty()
                    .containsOnly(404);
            // What containerd sends: its scopes sorted by name, so here the source's pull before the target's push.
            assertThat(tokenRequestsSince(mark))
                    .as("the scopes of each token request containerd sent, of its exchanges %s", exchanges)
                    .anySatisfy(scopes -> assertThat(scopes)
                            .containsSubsequence("repository:acme/app:pull", "repository:globex/ctr:pull,push"));
            assertThat(exchanges)
                    .as("containerd's mounts from acme/app, declined with an upload session")
                    .filteredOn(e -> e.method().equals("POST")
                            && e.path().startsWith("/v2/globex/ctr/blobs/uploads/?")
                            && e.path().contains("mount=sha256")
                            && e.path().contains("from=acme"))
                    .extracting(CtrHttpDump.Exchange::status)
                    .isNotEmpty()
                    .containsOnly(202);
        }
        assertThat(Files.isDirectory(repositoryDir("cell-2", "globex/ctr"))).isTrue();
        assertThat(Files.isDirectory(repositoryDir("cell-1", "globex/ctr"))).isFalse();
        Path back = pull("globex/ctr:1");
        assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                .isEqualTo(PUSHED.get("acme/app"));
    }

    @Test
    @Order(4)
    void dockersManifestListOfAnotherCellsImageFailsOnTheDeclinedMountAsWithAnyRegistryThatDeclinesIt()
            throws Exception {
        // The docker CLI alone (no engine here): its manifest commands talk to the registry themselves, with the
        // registry client the engine's push uses too (distribution's, which adds a pull scope for a mount's source).
        Path docker = ToolProcess.require("docker", "docker.io");
        Path home = Files.createDirectories(tmp.resolve("docker-config"));
        String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        Files.writeString(home.resolve("config.json"), """
                {"auths": {"%s": {"auth": "%s"}}}
                """.formatted(router, auth));
        Map<String, String> environment = Map.of("DOCKER_CONFIG", home.toString());
        ToolProcess.run(
                        List.of(
                                docker.toString(),
                                "manifest",
                                "create",
                                "--insecure",
                                router + "/globex/list:1",
                                router + "/acme/app:1"),
                        environment,
                        Duration.ofMinutes(1))
                .requireSuccess();
        int mark = front.requestLines().size();

        ToolProcess.Result push = ToolProcess.run(
                List.of(docker.toString(), "manifest", "push", "--insecure", router + "/globex/list:1"),
                environment,
                Duration.ofMinutes(1));

        assertThat(tokenRequestsSince(mark))
                .as("the scopes of each token request docker sent")
                .anySatisfy(scopes -> {
                    assertThat(scopes).contains("repository:acme/app:pull");
                    assertThat(scopes).anyMatch(s -> s.startsWith("repository:globex/list:") && s.contains("push"));
                });
        // docker mounts each blob of an image that is in another repository and takes a declined mount for an
        // error: docs/cells.md says so, and to push the image into the list's repository first.
        assertThat(push.exitCode()).as(push.stderr()).isNotZero();
        assertThat(push.stderr()).contains("error mounting");
        assertThat(repositoryDir("cell-1", "globex/list")).doesNotExist();
    }

    @Test
    @Order(5)
    void tokenRequestsReachTheTokenServiceOfTheRepositoriesTheyNameOnly() throws Exception {
        for (String cell : CELLS.keySet()) {
            List<List<String>> requests = primaries.get(cell).tokens().scopeRequests();
            assertThat(requests).as(cell + " got token requests").isNotEmpty();
            for (List<String> scopes : requests) {
                for (String scope : scopes) {
                    if (!scope.startsWith("repository:")) {
                        continue; // registry:catalog:* of the replicator's reconcile, asked of each cell for its own
                        // catalog
                    }
                    String repository = scope.substring(scope.indexOf(':') + 1, scope.lastIndexOf(':'));
                    assertThat(ownerOf(repository))
                            .as(cell + " was asked for " + scope + " in " + scopes)
                            .isEqualTo(cell);
                }
            }
        }
        // A token asked of the router for a cell's repository is signed by that cell's issuer.
        for (String cell : CELLS.keySet()) {
            String repository = CELLS.get(cell).get(0) + "/app";
            String token = token(null, "repository:" + repository + ":pull");
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
            assertThat(claims.path("iss").asText()).isEqualTo(cell + "-issuer");
            assertThat(claims.path("aud").toString()).contains(cell + "-registry");
        }
    }

    /**
     * Tried: a token request whose scope has a malformed percent escape ({@code %zz}), as a broken
     * client or a probe sends it. The router could not tell which primary's token service the scope
     * was for and answered 500 with nothing said; the router now refuses it itself, with a 403 in
     * OCI form naming the cause.
     */
    @Test
    @Order(5)
    void aTokenRequestWhoseScopeCannotBeDecodedIsRefusedNotRouted() throws Exception {
        String basic =
                "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        // Java's HTTP client refuses to send such a URI: the request goes out as written, on a socket.
        String answer;
        try (Socket socket = new Socket(
                router.substring(0, router.indexOf(':')),
                Integer.parseInt(router.substring(router.indexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(
                            ("GET /jwt/auth?service=cell-1-registry&scope=repository%3Aglobex%2Fapp%3Apull%zz HTTP/1.1\r\n"
                                            + "Host: " + router + "\r\nAuthorization: " + basic
                                            + "\r\nConnection: close\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(answer).as(answer).startsWith("HTTP/1.1 403 ");
        JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                .path("errors")
                .get(0);
        assertThat(error.path("code").asText()).isEqualTo("DENIED");
        assertThat(error.path("message").asText())
                .as("the router's own refusal, before any token service is asked")
                .contains("cannot be decoded")
                .contains("with several primaries");
    }

    @Test
    @Order(6)
    void aRepositoryNoPrimaryOwnsIsUnknown() throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + "/v2/umbrella/app/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).path("errors").get(0).path("code").asText())
                .isEqualTo("NAME_UNKNOWN");
    }

    @Test
    @Order(7)
    void aLayerTwoCellsShareIsStoredOnceInTheSecondary() throws Exception {
        Digest inCell1 = push(21, "acme/shared", "1");
        Digest inCell2 = push(21, "globex/shared", "1");
        assertThat(inCell2).isEqualTo(inCell1);
        awaitReplicated("acme/shared", "1", inCell1);
        awaitReplicated("globex/shared", "1", inCell2);
        Path v2 = tmp.resolve("replica-storage/docker/registry/v2");
        String layer = Digest.parse(layerOf("acme/shared", "1")).hex();
        try (var data = Files.walk(v2.resolve("blobs"))) {
            assertThat(data.filter(f -> f.getFileName().toString().equals("data")
                                    && f.getParent().getFileName().toString().equals(layer))
                            .count())
                    .isEqualTo(1);
        }
        for (String repository : List.of("acme/shared", "globex/shared")) {
            assertThat(v2.resolve("repositories/" + repository + "/_layers/sha256/" + layer + "/link"))
                    .as(repository + " links the one blob")
                    .exists();
        }
    }

    @Test
    @Order(8)
    void eachCellsIntakeTakesItsOwnSecretOnly() throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(georeg.component(ReplicatorComponent.class)
                                .uri()
                                .resolve("/events/cell-1"))
                        .header("Authorization", "Bearer " + secretOf("cell-2"))
                        .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);

        // A cell that notifies a push into a namespace it does not own (pushed at that cell itself, past the
        // router): the event is recorded, and nothing is replicated from that cell.
        Path layout = OciLayoutWriter.write(TestImages.image(51), "1", Files.createTempDirectory(tmp, "layout"));
        TwoSites.push(
                skopeo,
                layout,
                "1",
                primaries.get("cell-2").registry().hostPort(),
                STRAY + ":1",
                USER + ":" + PASSWORD);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_event WHERE repository = '" + STRAY
                                + "' AND action = 'push'")
                        > 0);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + STRAY + "'"))
                .as("work queued for " + STRAY + " from cell-2's notifications")
                .isZero();
    }

    @Test
    @Order(9)
    void eachCellsScheduledReconcileReplicatesItsOwnRepositoriesAndRemovesNoneOfAnothers() throws Exception {
        // Every cell's notifications are refused from now on: only the reconcile passes can find these pushes.
        notifications.unaim();
        try {
            Digest inCell2 = push(41, "globex/unnotified", "1");
            Digest inCell3 = push(42, "acme/web/unnotified", "1");
            awaitReplicated("globex/unnotified", "1", inCell2);
            awaitReplicated("acme/web/unnotified", "1", inCell3);
        } finally {
            notifications.aimAt(
                    "127.0.0.1",
                    georeg.component(ReplicatorComponent.class).uri().getPort());
        }
        // Two more passes of every cell, each over its own catalog only. Passes are told apart by their id: the
        // table keeps the last 100 passes only, which a slow run (a pass of each cell every 2 s) reaches.
        long passes = DB.queryLong("SELECT coalesce(max(id), 0) FROM reconcile_runs");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() ->
                        DB.queryLong("SELECT coalesce(max(id), 0) FROM reconcile_runs") >= passes + 2L * CELLS.size());
        assertThat(DB.queryLong(
                        "SELECT count(*) FROM replication_work WHERE source = 'reconcile' AND operation = 'delete'"))
                .as("a pass over one cell's catalog queued no delete of another cell's tags")
                .isZero();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + STRAY + "'"))
                .as("cell-2's catalog lists " + STRAY + ", which cell-1 owns: its passes queued nothing for it")
                .isZero();
        PUSHED.forEach((repository, digest) -> awaitReplicated(repository, "1", digest));
    }

    @Test
    @Order(10)
    void theCatalogThroughTheRouterIsTheReplicasMergedViewOfEveryCell() throws Exception {
        List<String> everyCell = List.of(
                "acme/app",
                "acme/shared",
                "acme/web/frontend",
                "acme/web/unnotified",
                "globex/app",
                "globex/shared",
                "globex/unnotified",
                "initech/app");
        AtomicReference<String> last = new AtomicReference<>("none yet");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    HttpResponse<String> r = HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://" + router + "/v2/_catalog?n=1000"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Authorization", "Bearer " + token(null, "registry:catalog:*"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    last.set(r.statusCode() + " " + r.body());
                    assertThat(r.statusCode()).as(last.get()).isEqualTo(200);
                    List<String> listed = new ArrayList<>();
                    JSON.readTree(r.body()).path("repositories").forEach(n -> listed.add(n.asText()));
                    // No single cell holds repositories of all three: only the replica's catalog lists them all.
                    assertThat(listed).as(last.get()).containsAll(everyCell);
                });
    }

    @Test
    @Order(11)
    void eachCellsReplicationIsMeasuredAndShownUnderItsOwnPrimary() throws Exception {
        URI metrics = georeg.component(ReplicatorComponent.class).uri().resolve("/metrics");
        for (String cell : CELLS.keySet()) {
            String primary = "primary=\"" + cell + "\"";
            assertThat(MetricsScrape.sum(HTTP, metrics, "georeg_replication_items_applied_total", primary))
                    .as(cell + "'s items applied")
                    .isPositive();
            assertThat(MetricsScrape.sum(HTTP, metrics, "georeg_replication_lag_seconds_count", primary))
                    .as(cell + "'s lag observed")
                    .isPositive();
            assertThat(MetricsScrape.sum(
                            HTTP, metrics, "georeg_replication_intake_requests_total", primary, "outcome=\"accepted\""))
                    .as(cell + "'s notifications accepted at its own path")
                    .isPositive();
            assertThat(MetricsScrape.sum(HTTP, metrics, "georeg_replication_queue_items", primary))
                    .as(cell + "'s queue rows")
                    .isPositive();
        }
        // The status page (the router's operator listener) shows the queue per primary too.
        URI status = georeg.component(RouterComponent.class).operatorUri();
        JsonNode json = JSON.readTree(HTTP.send(
                        HttpRequest.newBuilder(status.resolve("/-/status.json")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        List<String> shown = new ArrayList<>();
        json.path("primaries").forEach(p -> {
            shown.add(p.path("name").asText());
            assertThat(p.path("queue").path("done").asLong())
                    .as(p.path("name").asText() + "'s items done")
                    .isPositive();
        });
        assertThat(shown).containsExactlyElementsOf(CELLS.keySet());
        assertThat(HTTP.send(
                                HttpRequest.newBuilder(status.resolve("/-/status"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .contains("Replication by primary", "data-name=\"cell-2\"");
    }

    @Test
    @Order(12)
    void oneCellDownAffectsOnlyItsOwnNamespaces() throws Exception {
        Digest replicated = push(31, "globex/before", "1");
        awaitReplicated("globex/before", "1", replicated);
        primaries.get("cell-2").registry().stop();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> uploadStatus("globex/app") == 503);
            push(11, "acme/after", "1");
            push(12, "initech/after", "1");
            assertThat(pull("acme/after:1").resolve("manifest.json")).exists();
            assertThat(pull("initech/app:1").resolve("manifest.json")).exists();
            assertThat(uploadStatus("acme/web/frontend")).isEqualTo(202);
            // Its replicated content is still served.
            Path back = pull("globex/before:1");
            assertThat(Digest.sha256(Files.readAllBytes(back.resolve("manifest.json"))))
                    .isEqualTo(replicated);
        } finally {
            primaries.get("cell-2").registry().restart();
        }
    }

    private static String secretOf(String cell) {
        return cell + "-notification-secret-0123456789";
    }

    private static int uploadStatus(String repository) throws Exception {
        String token = token(null, "repository:" + repository + ":push,pull");
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://" + router + "/v2/" + repository + "/blobs/uploads/"))
                                .header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String ownerOf(String repository) {
        String owner = null;
        int longest = -1;
        for (Map.Entry<String, List<String>> e : CELLS.entrySet()) {
            for (String ns : e.getValue()) {
                if ((repository.equals(ns) || repository.startsWith(ns + "/")) && ns.length() > longest) {
                    owner = e.getKey();
                    longest = ns.length();
                }
            }
        }
        return owner;
    }

    /**
     * The scopes of each token request clients sent to the one URL since request line {@code mark}
     * of {@link #front}, in the order each client put them (a parameter holding several,
     * space-separated, counts as several).
     */
    private static List<List<String>> tokenRequestsSince(int mark) {
        List<String> lines = front.requestLines();
        List<List<String>> requests = new ArrayList<>();
        for (String line : lines.subList(mark, lines.size())) {
            if (!line.startsWith("GET /jwt/auth?")) {
                continue;
            }
            String query = line.substring("GET /jwt/auth?".length(), line.lastIndexOf(" HTTP/"));
            List<String> scopes = new ArrayList<>();
            for (String param : query.split("&")) {
                if (param.startsWith("scope=")) {
                    scopes.addAll(List.of(URLDecoder.decode(param.substring("scope=".length()), StandardCharsets.UTF_8)
                            .split(" ")));
                }
            }
            requests.add(scopes);
        }
        return requests;
    }

    /** Waits until registry-read (its own port) serves the tag at the digest: the replicator applied it. */
    private static void awaitReplicated(String repository, String tag, Digest digest) {
        TwoSites.awaitReplicated(
                georeg.component(RegistryReadComponent.class).uri(),
                repository,
                tag,
                digest,
                () -> token(null, "repository:" + repository + ":pull"));
    }

    /** The repository's directory in a cell's own storage (distribution's layout). */
    private static Path repositoryDir(String cell, String repository) {
        return primaries.get(cell).primary().storage().resolve("docker/registry/v2/repositories/" + repository);
    }

    /** Pushes a small image as {@code repository:tag} through the router; returns its manifest digest. */
    private static Digest push(long seed, String repository, String tag) throws Exception {
        Path layout = OciLayoutWriter.write(TestImages.image(seed), tag, Files.createTempDirectory(tmp, "layout"));
        return TwoSites.push(skopeo, layout, tag, router, repository + ":" + tag, USER + ":" + PASSWORD);
    }

    private static Path pull(String reference) throws Exception {
        return TwoSites.pull(skopeo, Files.createTempDirectory(tmp, "pull"), router, reference, USER + ":" + PASSWORD);
    }

    /** The digest of the first layer of {@code repository:tag}, read through the router. */
    private static String layerOf(String repository, String tag) throws Exception {
        Path dir = pull(repository + ":" + tag);
        return JSON.readTree(dir.resolve("manifest.json").toFile())
                .path("layers")
                .get(0)
                .path("digest")
                .asText();
    }

    /**
     * A token from the router's token route for {@code scopes}, with the {@code service} of
     * {@code serviceOf}'s registry (null: cell-1's, as a client that took it from the base challenge).
     */
    private static String token(String serviceOf, String... scopes) throws Exception {
        String basic =
                "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<String> params = new ArrayList<>();
        params.add("service=" + (serviceOf == null ? "cell-1" : serviceOf) + "-registry");
        for (String scope : scopes) {
            params.add("scope=" + scope);
        }
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router + "/jwt/auth?" + String.join("&", params)))
                        .header("Authorization", basic)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("token for " + params + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }
}
