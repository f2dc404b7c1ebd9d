package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.app.wiring.ReplicatorComponent;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.status.StatusQuery;
import io.georeg.status.StatusReport;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import io.georeg.testkit.tools.TcpRelay;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secondary as an outage shield for pulls with token auth (issue 17), with real parts only:
 * the primary is Debian's {@code docker-registry} (distribution 2.8) with {@code auth.token}; its
 * token service is the testkit's GitLab-shaped {@code /jwt/auth}, a server of its own that grants
 * per user and repository and is stopped independently; georeg is two {@code georeg serve}
 * processes sharing one PostgreSQL and one storage (router A with registry-read and the replicator,
 * router B with registry-read), both with the site key of {@code auth.outage}; the client is
 * {@code skopeo}, talking only to the routers. The methods run in order: learn while the primary is
 * up, pull and be refused during the outage, then the primary returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutageTokensIT {
    private static final String SECRET = "outage-notification-secret-0123456789";
    private static final String SITE_ISSUER = "georeg-site-b";
    private static final String ALICE = "alice:s3cret";
    private static final String BOB = "bob:b0b-pass";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration WAIT =
            Duration.ofSeconds(90); // a bound for a loaded 2-core machine, not a timing claim

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static TestTokenIssuer issuer;
    static TestTokenEndpoint tokens;
    static Distribution primary;
    /** Where distribution sends its notifications: relayed to site A's replicator. */
    static TcpRelay notifications;

    static GeoregServer siteA;
    static GeoregServer siteB;
    static Skopeo skopeo;
    static Corpus corpus;
    static Path layouts;
    /** Each tagged corpus image, pushed under team/ (alice's) — and one under public/ (anonymous pulls). */
    static final Map<String, CorpusImage> pushed = new HashMap<>();

    static final String PUBLIC = "public/base:1.0";

    @BeforeAll
    static void startTheSites() throws Exception {
        skopeo = Skopeo.require();
        Distribution.require();
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "primary-issuer", "primary-registry");
        Path bundle = issuer.writeRootBundle(tmp.resolve("root.pem"));
        tokens = TestTokenEndpoint.builder(issuer)
                .user("alice", "s3cret")
                .grant("alice", "team/*", "pull", "push")
                .grant("alice", "public/*", "pull", "push")
                .user("bob", "b0b-pass")
                .grant("bob", "team/library/alpine", "pull")
                .user("carol", "c4rol")
                .grant("carol", "team/*", "pull")
                .anonymousPull("public/*")
                .start();
        Path siteKey =
                Files.writeString(tmp.resolve("site-key.pem"), TestSiteKey.ec().privatePem());

        // The replicator binds port 0, and distribution, configured before the replicator exists, sends
        // to a relay whose port is bound already and which is aimed at the replicator once it listens.
        notifications = TcpRelay.unaimed();
        primary = Distribution.storingUnder(
                tmp.resolve("primary"),
                config -> config.withTokenAuth(new DistributionConfig.TokenAuth(
                                tokens.realm(), issuer.service(), issuer.issuer(), bundle))
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                "georeg", URI.create("http://127.0.0.1:" + notifications.port() + "/events"), SECRET)));

        Map<String, String> env = new HashMap<>();
        env.put("GEOREG_DATABASE_URL", DB.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", DB.user());
        env.put("GEOREG_DATABASE_PASSWORD", DB.password());
        env.put("GEOREG_DATABASE_MIGRATE_ON_START", "true");
        env.put("GEOREG_STORAGE_FILESYSTEM_ROOT", tmp.resolve("replica-storage").toString());
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        // As an operator configures it: the primary's token service; the routers put themselves in its place.
        env.put("GEOREG_AUTH_TOKEN_REALM", tokens.realm().toString());
        env.put("GEOREG_AUTH_TOKEN_SERVICE", issuer.service());
        env.put("GEOREG_AUTH_TOKEN_ISSUER", issuer.issuer());
        env.put("GEOREG_AUTH_TOKEN_ROOT_CERT_BUNDLE", bundle.toString());
        env.put("GEOREG_AUTH_OUTAGE_ISSUER", SITE_ISSUER);
        env.put("GEOREG_AUTH_OUTAGE_SIGNING_KEY_FILE", siteKey.toString());
        env.put("GEOREG_REPLICATOR_PORT", "0");
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", SECRET);
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_REPLICATOR_PRIMARY_USERNAME", "alice");
        env.put("GEOREG_REPLICATOR_PRIMARY_PASSWORD", "s3cret");
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_ROUTER_AUTH_URL", tokens.realm().toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        // Every request logged: the set-up's wait for replication has run out in about one
        // fresh-clone run in three with no error anywhere, and the sampled log hid the pushes.
        env.put("GEOREG_ROUTER_ACCESS_LOG_MODE", "all");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");
        siteA = TestServe.start(env, "registry-read,replicator,router");
        notifications.aimAt(
                "127.0.0.1", siteA.component(ReplicatorComponent.class).uri().getPort());
        siteB = TestServe.start(env, "registry-read,router");

        corpus = CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED)
                .bigLayerSize(1024 * 1024)
                .generate();
        layouts = tmp.resolve("layouts");
        OciLayoutWriter.writeAll(corpus, layouts);
        for (CorpusImage image : corpus.images()) {
            // The tagged images skopeo's oci: transport can read (OCI media types: it does not look up
            // Docker manifests in an OCI layout's index); referrers are pulled by digest elsewhere.
            if (!image.reference().contains(":") && image.mediaType().startsWith("application/vnd.oci.")) {
                pushed.put("team/" + image.repository() + ":" + image.reference(), image);
            }
        }
        CorpusImage base = corpus.images().stream()
                .filter(i -> i.repository().equals("library/alpine"))
                .findFirst()
                .orElseThrow();
        pushed.put(PUBLIC, base);
        for (var e : pushed.entrySet()) {
            skopeo.run(
                            List.of(
                                    "copy",
                                    "--all",
                                    "--preserve-digests",
                                    "--dest-tls-verify=false",
                                    "--dest-creds",
                                    ALICE,
                                    "oci:" + layouts.resolve(e.getValue().repository()) + ":"
                                            + e.getValue().reference(),
                                    "docker://" + router(siteA) + "/" + e.getKey()),
                            Duration.ofMinutes(1))
                    .requireSuccess();
        }
        for (var e : pushed.entrySet()) {
            awaitReplicated(e.getKey(), e.getValue().digest());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {siteB, siteA, primary, notifications, tokens}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void pullsThroughTheRoutersTeachThemWhatThePrimaryGrantedAndNoCredentialIsStored() throws Exception {
        for (String reference : pushed.keySet()) {
            pull(siteA, ALICE, reference);
        }
        pull(siteB, BOB, "team/library/alpine:3.19");
        pull(siteA, null, PUBLIC);

        List<String> rows = sql(
                "SELECT c.username || ' ' || g.repository FROM outage_grants g JOIN outage_credentials c ON c.id = g.credential_id");
        assertThat(rows)
                .contains("alice team/library/alpine", "bob team/library/alpine", " public/base")
                .noneMatch(r -> r.startsWith("bob ") && !r.endsWith("team/library/alpine"));
        List<String> everything =
                sql("SELECT c::text FROM outage_credentials c UNION ALL SELECT g::text FROM outage_grants g");
        assertThat(everything)
                .noneMatch(r -> r.contains("s3cret")
                        || r.contains("b0b-pass")
                        || r.contains(Base64.getEncoder().encodeToString(ALICE.getBytes(StandardCharsets.UTF_8))));
        assertThat(sql("SELECT password_hash FROM outage_credentials WHERE username <> ''"))
                .allMatch(h -> h.startsWith("$argon2id$"));
        await().atMost(WAIT).until(() -> metric(siteA, "georeg_router_outage_shield_armed") == 1.0);
        // georeg status (and the status page) show every router's shield: armed, not in use.
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(shield().routers())
                        .hasSize(2)
                        .allMatch(StatusReport.RouterShield::armed)
                        .noneMatch(StatusReport.RouterShield::inUse));
    }

    @Test
    @Order(2)
    void withThePrimaryAndItsTokenServiceDownKnownClientsPullEveryReplicatedImageByteIdenticalFromBothRouters()
            throws Exception {
        primary.stop();
        tokens.stop();
        for (GeoregServer site : List.of(siteA, siteB)) {
            await().atMost(WAIT).until(() -> metric(site, "georeg_router_circuit_open", "upstream=\"auth\"") == 1.0);
        }
        double issuedBefore = metric(siteA, "georeg_router_outage_tokens_issued_total");

        for (var e : pushed.entrySet()) {
            Path dir = pull(siteA, ALICE, e.getKey());
            assertThat(SkopeoDirCheck.differences(
                            dir, e.getValue(), corpus.repository(e.getValue().repository())))
                    .as(e.getKey())
                    .isEmpty();
        }
        Path bobs = pull(siteB, BOB, "team/library/alpine:3.19");
        Path anonymous = pull(siteB, null, PUBLIC);

        CorpusImage alpine = pushed.get("team/library/alpine:3.19");
        assertThat(SkopeoDirCheck.differences(bobs, alpine, corpus.repository(alpine.repository())))
                .isEmpty();
        assertThat(SkopeoDirCheck.differences(
                        anonymous,
                        pushed.get(PUBLIC),
                        corpus.repository(pushed.get(PUBLIC).repository())))
                .isEmpty();
        assertThat(metric(siteA, "georeg_router_outage_tokens_issued_total")).isGreaterThan(issuedBefore);
        assertThat(metric(siteB, "georeg_router_outage_tokens_issued_total")).isGreaterThan(0);
        assertThat(metric(siteA, "georeg_router_outage_shield_in_use")).isEqualTo(1.0);
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(shield().routers()).hasSize(2).allMatch(StatusReport.RouterShield::inUse));
        assertThat(shield().describe()).startsWith("armed on 2 of 2 router(s), IN USE on 2");
    }

    /** The outage shield as {@code georeg status} reads it from the shared database. */
    private static StatusReport.OutageShield shield() {
        return new StatusQuery(siteA.resources().database())
                .read(Duration.ofMinutes(15), 1, StatusQuery.Repositories.NONE, Optional.empty(), 0)
                .outageShield();
    }

    @Test
    @Order(3)
    void duringTheOutageTheRouterGrantsPullOnlyOfWhatThePrimaryGrantedSignedByTheSite() throws Exception {
        HttpResponse<String> answer =
                token(siteB, ALICE, "repository:team/library/alpine:pull", "repository:team/never-pushed:pull");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("outage-token");
        JWTClaimsSet claims = SignedJWT.parse(
                        JSON.readTree(answer.body()).path("token").asText())
                .getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(SITE_ISSUER);
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly(issuer.service());
        assertThat(claims.getListClaim("access"))
                .containsExactly(
                        Map.of("type", "repository", "name", "team/library/alpine", "actions", List.of("pull")));
        long lifetime =
                claims.getExpirationTime().getTime() - claims.getIssueTime().getTime();
        assertThat(lifetime).isLessThanOrEqualTo(TestTokenEndpoint.LIFETIME_SECONDS * 1000L);
        assertThat(JSON.readTree(answer.body()).path("expires_in").asLong()).isEqualTo(lifetime / 1000);
    }

    @Test
    @Order(4)
    void duringTheOutageWrongPasswordUnknownUserAndScopesNeverGrantedGetTheSame401() throws Exception {
        HttpResponse<String> wrongPassword = token(siteA, "alice:wrong", "repository:team/library/alpine:pull");
        HttpResponse<String> unknownUser = token(siteA, "mallory:s3cret", "repository:team/library/alpine:pull");
        HttpResponse<String> neverGranted = token(siteA, BOB, "repository:team/big/layer:pull");
        HttpResponse<String> neverPulled = token(siteA, "carol:c4rol", "repository:team/library/alpine:pull");
        HttpResponse<String> catalog = token(siteA, ALICE, "registry:catalog:*");
        HttpResponse<String> anonymousPrivate = token(siteA, null, "repository:team/library/alpine:pull");

        for (HttpResponse<String> r :
                List.of(wrongPassword, unknownUser, neverGranted, neverPulled, catalog, anonymousPrivate)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(r.body())
                            .path("errors")
                            .path(0)
                            .path("code")
                            .asText())
                    .isEqualTo("UNAUTHORIZED");
            assertThat(r.headers().firstValue("WWW-Authenticate"))
                    .get()
                    .asString()
                    .contains("auth service is unavailable");
        }
        // No user enumeration: an unknown user and a wrong password are answered alike, byte for byte.
        assertThat(unknownUser.body()).isEqualTo(wrongPassword.body());
        assertThat(unknownUser.headers().allValues("WWW-Authenticate"))
                .isEqualTo(wrongPassword.headers().allValues("WWW-Authenticate"));
        assertThat(metric(siteA, "georeg_router_outage_tokens_refused_total", "reason=\"credentials\""))
                .isGreaterThanOrEqualTo(3);
        assertThat(metric(siteA, "georeg_router_outage_tokens_refused_total", "reason=\"scope\""))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(5)
    void duringTheOutagePushDeleteAndCatalogAreRefusedWithTheirOciCodes() throws Exception {
        String outageToken = JSON.readTree(token(siteA, ALICE, "repository:team/library/alpine:pull")
                        .body())
                .path("token")
                .asText();
        // A token request that asks to write gets the 503 the write would get, whatever the credentials.
        for (String credentials : List.of(ALICE, "alice:wrong")) {
            HttpResponse<String> write = token(siteA, credentials, "repository:team/library/alpine:pull,push");
            assertThat(write.statusCode()).as(write.body()).isEqualTo(503);
            assertThat(write.body()).contains("UNAVAILABLE").contains("the primary site is unreachable");
        }

        HttpResponse<String> push = send(siteA, "POST", "/v2/team/library/alpine/blobs/uploads/", outageToken);
        HttpResponse<String> delete = send(
                siteA,
                "DELETE",
                "/v2/team/library/alpine/manifests/"
                        + pushed.get("team/library/alpine:3.19").digest(),
                outageToken);
        HttpResponse<String> catalog = send(siteA, "GET", "/v2/_catalog", outageToken);

        assertThat(push.statusCode()).isEqualTo(503);
        assertThat(push.body()).contains("UNAVAILABLE");
        assertThat(delete.statusCode()).isEqualTo(503);
        assertThat(delete.body()).contains("UNAVAILABLE");
        assertThat(catalog.statusCode()).isEqualTo(401);
        assertThat(catalog.body()).contains("UNAUTHORIZED");
        assertThat(catalog.headers().firstValue("WWW-Authenticate"))
                .get()
                .asString()
                .contains("insufficient_scope");
        var refused = skopeo.run(
                List.of(
                        "copy",
                        "--dest-tls-verify=false",
                        "--dest-creds",
                        ALICE,
                        "oci:" + layouts.resolve("library/alpine") + ":3.19",
                        "docker://" + router(siteA) + "/team/outage-push:1"),
                Duration.ofMinutes(1));
        // skopeo asks for pull,push: refused at the token request, saying the registry is unavailable
        // (containers/image shows no more of it), never "invalid username/password".
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("503 (Service Unavailable)").doesNotContain("invalid username/password");
    }

    @Test
    @Order(6)
    void duringTheOutageBadTokenRequestsAreRefusedClearlyAndGrantNothing() throws Exception {
        String granted = "repository:team/library/alpine:pull";
        Map<String, HttpResponse<String>> rows = new java.util.LinkedHashMap<>();
        rows.put("not base64", raw(siteA, "Basic !!!not-base64!!!", List.of(granted)));
        rows.put("no colon", raw(siteA, "Basic " + b64("alice"), List.of(granted)));
        rows.put("not Basic", raw(siteA, "Bearer " + b64(ALICE), List.of(granted)));
        rows.put("empty password", raw(siteA, "Basic " + b64("alice:"), List.of(granted)));
        rows.put("control characters", raw(siteA, "Basic " + b64("alice\u0000:s3cret"), List.of(granted)));
        rows.put("huge user name", raw(siteA, "Basic " + b64("a".repeat(5000) + ":s3cret"), List.of(granted)));
        rows.put("huge password", raw(siteA, "Basic " + b64("alice:" + "p".repeat(8000)), List.of(granted)));
        for (var row : rows.entrySet()) {
            assertThat(row.getValue().statusCode()).as(row.getKey()).isEqualTo(401);
            assertThat(row.getValue().body()).as(row.getKey()).contains("UNAUTHORIZED");
        }
        HttpResponse<String> oversizedHeader =
                raw(siteA, "Basic " + b64("alice:" + "p".repeat(40_000)), List.of(granted));
        assertThat(oversizedHeader.statusCode()).isEqualTo(431);

        HttpResponse<String> hundreds = token(
                siteA,
                ALICE,
                IntStream.range(0, 300)
                        .mapToObj(i -> "repository:team/r" + i + ":pull")
                        .toArray(String[]::new));
        assertThat(hundreds.statusCode()).isEqualTo(403);
        assertThat(hundreds.body()).contains("DENIED").contains("at most 64 scopes");

        List<String> abuse = List.of(
                "repository:team/../team/library/alpine:pull",
                "repository:team/library/alpine:pull:extra",
                "repository::pull",
                "repository:TEAM/LIBRARY/ALPINE:pull",
                "repository:team/library/alpine",
                "registry:catalog:*",
                "repository:team/library/alpine%2Fx:pull",
                "::",
                "repository:team/*:pull");
        for (String scope : abuse) {
            HttpResponse<String> r = token(siteA, ALICE, scope);
            assertThat(r.statusCode()).as(scope).isEqualTo(401);
        }
        HttpResponse<String> mixed = token(siteA, ALICE, String.join(" ", abuse), granted);
        assertThat(mixed.statusCode()).isEqualTo(200);
        assertThat(SignedJWT.parse(JSON.readTree(mixed.body()).path("token").asText())
                        .getJWTClaimsSet()
                        .getListClaim("access"))
                .containsExactly(
                        Map.of("type", "repository", "name", "team/library/alpine", "actions", List.of("pull")));
        // The router still serves.
        assertThat(token(siteA, ALICE, granted).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(7)
    void whenThePrimaryReturnsTokensComeFromItAgainAndARefusedUserLosesItsGrantsAtOnce() throws Exception {
        tokens.setPassword("bob", "rotated");
        tokens.restart();
        primary.restart();
        for (GeoregServer site : List.of(siteA, siteB)) {
            await().atMost(WAIT).until(() -> metric(site, "georeg_router_circuit_open", "upstream=\"auth\"") == 0.0);
        }

        HttpResponse<String> fromPrimary = token(siteA, ALICE, "repository:team/library/alpine:pull");
        HttpResponse<String> bobRefused = token(siteB, BOB, "repository:team/library/alpine:pull");

        assertThat(fromPrimary.statusCode()).isEqualTo(200);
        assertThat(SignedJWT.parse(
                                JSON.readTree(fromPrimary.body()).path("token").asText())
                        .getJWTClaimsSet()
                        .getIssuer())
                .isEqualTo(issuer.issuer());
        assertThat(bobRefused.statusCode()).isEqualTo(401);
        assertThat(sql("SELECT username FROM outage_credentials WHERE username = 'bob'"))
                .isEmpty();
        pull(siteA, ALICE, "team/library/alpine:3.19");

        // The next outage: bob's old password is refused by both routers, alice still pulls.
        tokens.stop();
        try {
            HttpResponse<String> bobDuringOutage = token(siteA, BOB, "repository:team/library/alpine:pull");
            assertThat(bobDuringOutage.statusCode()).isEqualTo(401);
            assertThat(token(siteB, ALICE, "repository:team/library/alpine:pull")
                            .statusCode())
                    .isEqualTo(200);
        } finally {
            tokens.restart();
        }
    }

    @Test
    @Order(8)
    void withTheRegistryDownAndItsTokenServiceUpTokenRequestsStillGoToTheTokenService() throws Exception {
        await().atMost(WAIT).until(() -> metric(siteA, "georeg_router_circuit_open", "upstream=\"auth\"") == 0.0);
        primary.stop();
        try {
            await().atMost(WAIT)
                    .until(() -> metric(siteA, "georeg_router_circuit_open", "upstream=\"primary\"") == 1.0);

            HttpResponse<String> answer = token(siteA, ALICE, "repository:team/library/alpine:pull");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("X-Georeg-Source")).hasValue("auth");
            assertThat(SignedJWT.parse(
                                    JSON.readTree(answer.body()).path("token").asText())
                            .getJWTClaimsSet()
                            .getIssuer())
                    .isEqualTo(issuer.issuer());
        } finally {
            primary.restart();
        }
    }

    @Test
    @Order(9)
    void aTokenServiceAnswering5xxIsStoodInFor() throws Exception {
        tokens.failWith(503);
        try {
            HttpResponse<String> answer = token(siteA, ALICE, "repository:team/library/alpine:pull");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(SignedJWT.parse(
                                    JSON.readTree(answer.body()).path("token").asText())
                            .getJWTClaimsSet()
                            .getIssuer())
                    .isEqualTo(SITE_ISSUER);
        } finally {
            tokens.failWith(0);
        }
    }

    private static String router(GeoregServer site) {
        return "127.0.0.1:" + site.component(RouterComponent.class).uri().getPort();
    }

    /** skopeo copy --all through a router, with credentials or anonymously. */
    private static Path pull(GeoregServer site, String credentials, String reference) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "pull");
        List<String> args = new ArrayList<>(List.of("copy", "--all", "--src-tls-verify=false"));
        if (credentials != null) {
            args.addAll(List.of("--src-creds", credentials));
        } else {
            args.add("--src-no-creds");
        }
        args.addAll(List.of("docker://" + router(site) + "/" + reference, "dir:" + dir));
        skopeo.run(args, Duration.ofMinutes(1)).requireSuccess();
        return dir;
    }

    private static HttpResponse<String> token(GeoregServer site, String credentials, String... scopes)
            throws Exception {
        return raw(site, credentials == null ? null : "Basic " + b64(credentials), List.of(scopes));
    }

    private static HttpResponse<String> raw(GeoregServer site, String authorization, List<String> scopes)
            throws Exception {
        String query = "service=" + issuer.service()
                + scopes.stream()
                        .map(s -> "&scope=" + URLEncoder.encode(s, StandardCharsets.UTF_8))
                        .collect(Collectors.joining());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + router(site) + "/jwt/auth?" + query));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(GeoregServer site, String method, String path, String token)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + router(site) + path))
                        .header("Authorization", "Bearer " + token)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Waits until registry-read serves the reference at the digest, with a token straight from the
     * token service (nothing learned). Each request has a time limit (one that hangs fails that poll
     * only); when the wait runs out it says what registry-read answered last and what replication
     * did: the events and work in the database and the end of the primary's log, which goes with
     * the temporary directory.
     */
    private static void awaitReplicated(String reference, Digest digest) throws Exception {
        int colon = reference.lastIndexOf(':');
        String repository = reference.substring(0, colon);
        URI replica = siteA.component(RegistryReadComponent.class).uri();
        AtomicReference<String> lastAnswer = new AtomicReference<>("none yet");
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                HttpResponse<String> t = HTTP.send(
                        HttpRequest.newBuilder(URI.create(tokens.realm() + "?service=" + issuer.service()
                                        + "&scope=repository:" + repository + ":pull"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Authorization", "Basic " + b64(ALICE))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<byte[]> r = HTTP.send(
                        HttpRequest.newBuilder(replica.resolve(
                                        "/v2/" + repository + "/manifests/" + reference.substring(colon + 1)))
                                .timeout(Duration.ofSeconds(10))
                                .header(
                                        "Authorization",
                                        "Bearer "
                                                + JSON.readTree(t.body())
                                                        .path("token")
                                                        .asText())
                                .header("Accept", MediaTypes.ACCEPT_EVERY_MANIFEST)
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                lastAnswer.set("token " + t.statusCode() + ", manifest " + r.statusCode() + " "
                        + new String(r.body(), 0, Math.min(r.body().length, 300), StandardCharsets.UTF_8));
                return r.statusCode() == 200 && Digest.sha256(r.body()).equals(digest);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    reference + " (" + digest + ") was not replicated within " + WAIT + "; registry-read answered "
                            + lastAnswer.get() + "\n" + ReplicationDiagnosis.of(DB, primary.log()),
                    e);
        }
    }

    private static double metric(GeoregServer site, String name, String... labels) throws Exception {
        return MetricsScrape.sum(
                HTTP, site.component(RouterComponent.class).operatorUri().resolve("/metrics"), name, labels);
    }

    private static List<String> sql(String query) throws Exception {
        try (Connection c = DriverManager.getConnection(DB.jdbcUrl(), DB.user(), DB.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
