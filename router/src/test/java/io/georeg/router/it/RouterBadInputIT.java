package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.ops.AcceptQueue;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.ListenBacklog;
import io.georeg.testkit.tools.SlowClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input table of the router's public listener (issue 11): each row is what a client or
 * attacker tried through the one public URL and the answer it must get, over the real router with
 * the real registry-read hosted in process on real PostgreSQL and filesystem storage. The primary
 * and the token service are scripted ({@link FakeUpstream}) so that the table can show what did
 * not reach them. Requests go over a raw socket, byte for byte. Slow clients are the rows that are
 * tests of their own ({@link #clientsTricklingTheirHeadersAreCutOffWhileOthersAreServed} and the
 * two after it; a client silent mid-upload is {@code RouterProxyIT}'s, as it needs a short idle
 * timeout). The rows of other listeners are beside them: the intake's (a sender without the secret
 * asking {@code Expect: 100-continue}) in {@code NotificationIntakeIT}, registry-read's own (names,
 * digests, forged tokens) in its {@code BadInputIT}.
 */
class RouterBadInputIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HEX64 = "a".repeat(64);
    static final Duration HEADER_DEADLINE = Duration.ofSeconds(1);
    static final RouterFixtures FIXTURES = new RouterFixtures();
    static FakeUpstream primary;
    static FakeUpstream tokens;
    static Router router;

    @BeforeAll
    static void start() throws Exception {
        Database database = FIXTURES.database(DB);
        RouterFixtures.RegistryRead replica = FIXTURES.registryRead(database, tmp.resolve("replica-storage"));
        replica.replicate("team/app", "latest", TestImages.image(1101));
        primary = FIXTURES.add(new FakeUpstream());
        // A primary that sends the client elsewhere (storage, another host): the redirect is the client's to follow.
        primary.answer((req, resp, cb) -> {
            if (req.getHttpURI().getPath().endsWith("/redirect-me")) {
                resp.getHeaders().put("Location", "http://storage.invalid/bucket/blob");
                FakeUpstream.text(resp, cb, 307, "");
            } else {
                FakeUpstream.text(resp, cb, 200, "ok");
            }
        });
        tokens = FIXTURES.add(new FakeUpstream());
        // A token service refusing wrong credentials the way many do: a bare 401, no challenge.
        tokens.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 401, "{\"details\":\"wrong credentials\"}"));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                tokens.url().resolve("/jwt/auth"),
                replica.cached(),
                config -> config.withAdmin(new RouterConfig.Admin("router-bad-input-admin-token-0123456789", null))
                        // A short header deadline, so that the slow-client row ends quickly; idle as by default.
                        .withTimeouts(new RouterConfig.Timeouts(
                                Duration.ofSeconds(1),
                                Duration.ofMinutes(5),
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(1),
                                HEADER_DEADLINE)),
                LoopbackRouter.withDatabase(database)));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    /**
     * One row: what was tried, the request, the status and OCI code it must get (null: no OCI body
     * expected, e.g. the token service's own), and whether the primary may see it.
     */
    record Row(
            String tried,
            String method,
            String target,
            Map<String, String> headers,
            int status,
            String code,
            boolean reachesPrimary) {
        @Override
        public String toString() {
            return tried;
        }
    }

    static Row row(String tried, String target, int status, String code) {
        return new Row(tried, "GET", target, Map.of(), status, code, false);
    }

    static Stream<Arguments> table() {
        String longPath = "/v2/" + "a/".repeat(2100) + "tags/list";
        return Stream.of(
                        row("control: tags list of a replicated repository", "/v2/team/app/tags/list", 200, null),
                        // query values the database cannot take: answered by registry-read, passed through as they are
                        row(
                                "tags list last with a NUL byte (%00)",
                                "/v2/team/app/tags/list?last=%00", 400, "TAG_INVALID"),
                        row(
                                "tags list last of invalid UTF-8 (%ff)",
                                "/v2/team/app/tags/list?last=%ff", 400, "TAG_INVALID"),
                        row("catalog last with a NUL byte (%00)", "/v2/_catalog?last=%00", 400, "NAME_INVALID"),
                        row("catalog last of invalid UTF-8 (%ff)", "/v2/_catalog?last=%ff", 400, "NAME_INVALID"),
                        row(
                                "referrers artifactType with a NUL byte (%00)",
                                "/v2/team/app/referrers/sha256:" + HEX64 + "?artifactType=%00",
                                400,
                                "MANIFEST_INVALID"),
                        // paths over the length limit are refused by the router, never proxied to the primary
                        row("path longer than 4096 characters", longPath, 400, "NAME_INVALID"),
                        row(
                                "path longer than 4096 characters with '..'",
                                "/v2/" + "a/".repeat(2100) + "../tags/list",
                                400,
                                "NAME_INVALID"),
                        new Row(
                                "PUT of a path longer than 4096 characters",
                                "PUT",
                                "/v2/" + "a/".repeat(2100) + "manifests/v1",
                                Map.of(),
                                400,
                                "NAME_INVALID",
                                false),
                        // refused by Jetty itself: the OCI error body, never an HTML page
                        new Row(
                                "header name with a space (Jetty refuses the request)",
                                "GET",
                                "/v2/team/app/tags/list",
                                Map.of("Bad Header", "x"),
                                400,
                                "UNKNOWN",
                                false),
                        new Row(
                                "headers larger than the limit",
                                "GET",
                                "/v2/team/app/tags/list",
                                Map.of("X-Padding", "p".repeat(64 * 1024)),
                                431,
                                "UNKNOWN",
                                false),
                        // methods the registry API does not use are refused, never proxied: the default route
                        // sent them to the primary, once a request line with another client's padding in front
                        new Row(
                                "a method of 16 KiB of padding in front of GET (another client's bytes)",
                                "p".repeat(16 * 1024) + "GET",
                                "/-/status",
                                Map.of(),
                                405,
                                "UNSUPPORTED",
                                false),
                        new Row(
                                "TRACE of a manifest",
                                "TRACE",
                                "/v2/team/app/manifests/latest",
                                Map.of(),
                                405,
                                "UNSUPPORTED",
                                false),
                        new Row(
                                "lower-case get of the tags list",
                                "get",
                                "/v2/team/app/tags/list",
                                Map.of(),
                                405,
                                "UNSUPPORTED",
                                false),
                        // a browser's CORS preflight still goes to the primary, which decides
                        new Row(
                                "OPTIONS of a manifest (CORS preflight) reaches the primary",
                                "OPTIONS",
                                "/v2/team/app/manifests/latest",
                                Map.of(),
                                200,
                                null,
                                true),
                        // operator endpoints are not on the public URL (they are on the operator listener)
                        row("status page on the public URL", "/-/status", 404, "NOT_FOUND"),
                        row("JSON status on the public URL", "/-/status.json", 404, "NOT_FOUND"),
                        row("metrics on the public URL", "/metrics", 404, "NOT_FOUND"),
                        new Row(
                                "admin API with the right token on the public URL",
                                "GET",
                                "/-/admin/mode",
                                Map.of("Authorization", "Bearer router-bad-input-admin-token-0123456789"),
                                404,
                                "NOT_FOUND",
                                false),
                        new Row(
                                "admin change with the right token on the public URL",
                                "PUT",
                                "/-/admin/mode",
                                Map.of("Authorization", "Bearer router-bad-input-admin-token-0123456789"),
                                404,
                                "NOT_FOUND",
                                false),
                        // the token service's bare 401 reaches the client as 401 (Jetty's client handled it and
                        // answered 503)
                        new Row(
                                "token request with wrong credentials (bare 401 upstream)",
                                "GET",
                                "/jwt/auth?service=x&scope=repository:team/app:pull",
                                Map.of("Authorization", "Basic d3Jvbmc6d3Jvbmc="),
                                401,
                                null,
                                false),
                        // every upstream status passes untouched: a redirect is not followed by the router
                        new Row(
                                "PUT answered by the primary with a 307 redirect (not followed)",
                                "PUT",
                                "/v2/team/app/blobs/uploads/redirect-me",
                                Map.of(),
                                307,
                                null,
                                true))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void badInputThroughThePublicUrlGetsTheRightAnswer(Row row) throws Exception {
        int primaryRequests = primary.seen().size();
        Reply reply = send(router.port(), row.method(), row.target(), row.headers());

        assertThat(reply.status())
                .as(row.tried() + ": status; body " + reply.body())
                .isEqualTo(row.status());
        assertThat(reply.body())
                .as(row.tried() + ": never an HTML page")
                .doesNotContain("<html")
                .doesNotContain("<h2>");
        if (row.code() != null) {
            assertThat(reply.headers().get("content-type"))
                    .as(row.tried() + ": content type")
                    .startsWith("application/json");
            JsonNode body = JSON.readTree(reply.body());
            assertThat(body.at("/errors/0/code").asText())
                    .as(row.tried() + ": OCI code; body " + reply.body())
                    .isEqualTo(row.code());
        }
        if (!row.reachesPrimary()) {
            assertThat(primary.seen())
                    .as(row.tried() + ": nothing reached the primary")
                    .hasSize(primaryRequests);
        }
    }

    /**
     * The slow-client row: clients that trickle their request headers a byte at a time (slowloris)
     * are disconnected once the header deadline ({@code router.timeouts.clientHeaders}, 1 s here)
     * has passed, though each byte resets Jetty's idle timeout (5 min here, so only the header
     * deadline can end them, and they would trickle for longer than the bound), without an answer;
     * other clients are served meanwhile on their own connections.
     */
    /**
     * A burst of new connections (a node pool that starts pulling at once, clients that send
     * oversized headers and close) waits in the kernel's accept queue instead of being dropped,
     * which costs each dropped client a SYN retransmission of 1 s and then 3 s: the public
     * listener asks for {@link AcceptQueue#SIZE}, where Jetty's default left the JDK's 50.
     */
    @Test
    void theKernelQueuesABurstOfNewConnectionsForThePublicListener() {
        assertThat(ListenBacklog.of(router.port()))
                .as("the public listener's accept queue (ss Send-Q)")
                .isEqualTo(ListenBacklog.granted(AcceptQueue.SIZE))
                .isGreaterThan(50);
    }

    @Test
    void clientsTricklingTheirHeadersAreCutOffWhileOthersAreServed() throws Exception {
        List<SlowClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                slow.add(SlowClient.trickleHeaders(router.localUrl(), Duration.ofMillis(100)));
            }
            for (int i = 0; i < 5; i++) {
                assertThat(send(router.port(), "GET", "/v2/team/app/tags/list", Map.of())
                                .status())
                        .as("a client served while others trickle")
                        .isEqualTo(200);
            }
            await().atMost(HEADER_DEADLINE.multipliedBy(30))
                    .until(() -> slow.stream().allMatch(SlowClient::cutOff));
            assertThat(slow)
                    .as("cut off by the deadline, not refused with an answer")
                    .allSatisfy(c -> assertThat(c.bytesAnswered()).isZero());
            assertThat(send(router.port(), "GET", "/v2/team/app/tags/list", Map.of())
                            .status())
                    .isEqualTo(200);
        } finally {
            for (SlowClient c : slow) {
                c.close();
            }
        }
    }

    /**
     * The slow-body row (a slow POST): clients that send whole headers announcing a 1 MiB upload
     * and then trickle the body a byte every 100 ms, each byte resetting Jetty's idle timeout, are
     * disconnected once their body arrives below {@code router.timeouts.clientMinBodyRate} (1 KiB/s
     * by default), and the primary never receives a whole body; other clients are served meanwhile,
     * and the primary's circuit does not count the clients' slowness against it.
     */
    @Test
    void clientsTricklingTheirBodyAreCutOffAndNoUploadReachesThePrimaryWhole() throws Exception {
        long length = 1024 * 1024;
        String target = "/v2/team/app/blobs/uploads/trickled-body";
        List<SlowClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                slow.add(SlowClient.trickleBody(router.localUrl(), "PATCH", target, length, Duration.ofMillis(100)));
            }
            assertThat(send(router.port(), "GET", "/v2/team/app/tags/list", Map.of())
                            .status())
                    .as("a client served while others trickle")
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> slow.stream().allMatch(SlowClient::cutOff));
            assertThat(primary.seen())
                    .filteredOn(seen -> seen.pathQuery().equals(target))
                    .noneSatisfy(seen -> assertThat(seen.bodyLength()).isEqualTo(length));
            // The clients' fault, not the primary's: its circuit stays closed and writes go on.
            SlowClient.Answer upload = SlowClient.uploadSlowly(
                    router.localUrl(),
                    "PATCH",
                    "/v2/team/app/blobs/uploads/after-trickled-bodies",
                    new byte[1024],
                    1,
                    Duration.ZERO);
            assertThat(upload.status()).as("answer; body " + upload.body()).isEqualTo(200);
        } finally {
            for (SlowClient c : slow) {
                c.close();
            }
        }
    }

    /**
     * A valid upload on a slow link is not a slow client: its headers arrive at once and its body
     * takes 7 × 500 ms, well past the header deadline, and reaches the primary whole.
     */
    @Test
    void aSlowButValidBodyUploadIsNotCutOff() throws Exception {
        byte[] body = new byte[64 * 1024];
        new Random(11).nextBytes(body);
        String target = "/v2/team/app/blobs/uploads/slow-link-upload";

        SlowClient.Answer answer =
                SlowClient.uploadSlowly(router.localUrl(), "PATCH", target, body, 8, Duration.ofMillis(500));

        assertThat(answer.status()).as("answer; body " + answer.body()).isEqualTo(200);
        assertThat(primary.seen())
                .filteredOn(seen -> seen.pathQuery().equals(target))
                .singleElement()
                .satisfies(seen -> {
                    assertThat(seen.bodyLength()).isEqualTo(body.length);
                    assertThat(seen.bodySha256())
                            .isEqualTo(HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256").digest(body)));
                });
    }

    record Reply(int status, Map<String, String> headers, String body) {}

    private static Reply send(int port, String method, String target, Map<String, String> headers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method)
                    .append(' ')
                    .append(target)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\nConnection: close\r\n");
            if (method.equals("PUT")) {
                req.append("Content-Length: 0\r\n");
            }
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                h.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String body = text.substring(end + 4);
            if ("chunked".equalsIgnoreCase(h.get("transfer-encoding"))) {
                body = dechunk(body);
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), h, body);
        }
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        while (true) {
            int eol = body.indexOf("\r\n", pos);
            int size = Integer.parseInt(body.substring(pos, eol).split(";")[0].trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(body, eol + 2, eol + 2 + size);
            pos = eol + 2 + size + 2;
        }
    }
}
