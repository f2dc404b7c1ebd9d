package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.TokenAuthenticator;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.logs.CapturedLog;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.token.TokenAuthConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input table of issue 2: each row is one thing a client (or attacker) tries against
 * registry-read with token auth on, over real PostgreSQL and filesystem storage, and the status
 * and OCI code it must get. Requests go over a raw socket so the request target arrives exactly
 * as written ({@code ..} and {@code %2F} are not normalised away by a client library).
 */
class BadInputIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path dir;

    static final String SERVICE = "georeg-test-registry";
    static final String ISSUER = "georeg-test-issuer";
    static final String REALM = "https://primary.example/jwt/auth";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HEX64 = "a".repeat(64);

    static TestTokenIssuer rsa;
    static TestTokenIssuer ec;
    static ReadStack stack;
    static TestImage image;

    @BeforeAll
    static void start() throws Exception {
        rsa = TestTokenIssuer.create(KeyKind.RSA, ISSUER, SERVICE);
        ec = TestTokenIssuer.create(KeyKind.EC, ISSUER, SERVICE);
        Path bundle = dir.resolve("bundle.pem");
        // Both issuers' certificates in one bundle, as an operator rotating keys would have.
        java.nio.file.Files.writeString(
                bundle,
                java.nio.file.Files.readString(rsa.writeRootBundle(dir.resolve("rsa.pem")))
                        + java.nio.file.Files.readString(ec.writeRootBundle(dir.resolve("ec.pem"))));
        TokenAuthenticator auth =
                TokenAuthenticator.create(new TokenAuthConfig(REALM, SERVICE, ISSUER, bundle), Clock.systemUTC());
        stack = new ReadStack(DB, dir.resolve("storage"), auth, ReadOptions.loopbackEphemeral());
        image = TestImages.image(3);
        stack.store(RepositoryName.of("team/app"), image, "latest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /** One row: what was tried, the request (and any extra raw header lines), the token, and the answer it must get. */
    record Row(
            String tried,
            String method,
            String target,
            Supplier<String> token,
            int status,
            String code,
            String challengeMust,
            Map<String, String> headers) {
        Row(
                String tried,
                String method,
                String target,
                Supplier<String> token,
                int status,
                String code,
                String challengeMust) {
            this(tried, method, target, token, status, code, challengeMust, Map.of());
        }

        @Override
        public String toString() {
            return tried;
        }
    }

    static Supplier<String> good() {
        return () -> rsa.token().pull("team/app").sign();
    }

    static Row row(String tried, String target, Supplier<String> token, int status, String code) {
        return new Row(tried, "GET", target, token, status, code, null);
    }

    static Row auth(String tried, String target, Supplier<String> token, String challengeMust) {
        return new Row(tried, "GET", target, token, 401, "UNAUTHORIZED", challengeMust);
    }

    static Stream<Arguments> table() {
        String manifest = "/v2/team/app/manifests/latest";
        String scope = "scope=\"repository:team/app:pull\"";
        return Stream.of(
                        // control rows: the same requests succeed with a good token
                        row("control: good RS256 x5c token pulls the manifest", manifest, good(), 200, null),
                        row(
                                "control: good ES256 kid token pulls the manifest",
                                manifest,
                                () -> ec.token().pull("team/app").keyIdStyle().sign(),
                                200,
                                null),
                        // names
                        row("upper-case repository name", "/v2/Team/App/manifests/latest", good(), 400, "NAME_INVALID"),
                        row("name component ending in a separator", "/v2/team-/tags/list", good(), 400, "NAME_INVALID"),
                        row(
                                "name longer than 255 characters",
                                "/v2/" + "a".repeat(256) + "/tags/list",
                                good(),
                                400,
                                "NAME_INVALID"),
                        row("name with a space (encoded)", "/v2/team%20app/tags/list", good(), 400, "NAME_INVALID"),
                        // traversal and encoded separators
                        row(
                                "'..' segment inside the name",
                                "/v2/team/../team/app/manifests/latest",
                                good(),
                                400,
                                "NAME_INVALID"),
                        row("'..' climbing out of /v2", "/v2/../../etc/passwd", good(), 400, "NAME_INVALID"),
                        row("'.' segment", "/v2/team/./app/manifests/latest", good(), 400, "NAME_INVALID"),
                        row(
                                "encoded slash %2F in the name",
                                "/v2/team%2Fapp/manifests/latest", good(), 400, "NAME_INVALID"),
                        row("encoded slash %2f in the name", "/v2/team%2fapp/tags/list", good(), 400, "NAME_INVALID"),
                        row(
                                "encoded dot-dot %2e%2e",
                                "/v2/team/%2e%2e/team/app/manifests/latest", good(), 400, "NAME_INVALID"),
                        row("double-encoded slash %252F", "/v2/team%252Fapp/tags/list", good(), 400, "NAME_INVALID"),
                        row("encoded backslash %5C", "/v2/team%5Capp/tags/list", good(), 400, "NAME_INVALID"),
                        row("empty path segment", "/v2/team//app/tags/list", good(), 400, "NAME_INVALID"),
                        // digests
                        row("blob digest too short", "/v2/team/app/blobs/sha256:abc", good(), 400, "DIGEST_INVALID"),
                        row(
                                "blob digest with upper-case hex",
                                "/v2/team/app/blobs/sha256:" + "A".repeat(64),
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row(
                                "blob digest not of the digest grammar",
                                "/v2/team/app/blobs/sha256:" + HEX64 + "!",
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row(
                                "manifest digest too short",
                                "/v2/team/app/manifests/sha256:1234",
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row(
                                "referrers subject digest invalid",
                                "/v2/team/app/referrers/sha256:zz",
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row(
                                "unknown digest algorithm md5",
                                "/v2/team/app/blobs/md5:" + "a".repeat(32),
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row(
                                "unknown digest algorithm in a manifest reference",
                                "/v2/team/app/manifests/sha1:" + "a".repeat(40),
                                good(),
                                400,
                                "DIGEST_INVALID"),
                        row("invalid tag", "/v2/team/app/manifests/.hidden", good(), 400, "TAG_INVALID"),
                        // pagination
                        row(
                                "tags list n over the maximum (1000)",
                                "/v2/team/app/tags/list?n=1001",
                                good(),
                                400,
                                "PAGINATION_NUMBER_INVALID"),
                        row(
                                "tags list n negative",
                                "/v2/team/app/tags/list?n=-5",
                                good(),
                                400,
                                "PAGINATION_NUMBER_INVALID"),
                        row(
                                "tags list n not a number",
                                "/v2/team/app/tags/list?n=lots",
                                good(),
                                400,
                                "PAGINATION_NUMBER_INVALID"),
                        row(
                                "catalog n over the maximum",
                                "/v2/_catalog?n=100000",
                                () -> rsa.token().catalog().sign(),
                                400,
                                "PAGINATION_NUMBER_INVALID"),
                        // query values the database cannot take (a NUL byte failed there as 500 UNKNOWN with a stack
                        // trace)
                        row(
                                "tags list last with a NUL byte (%00)",
                                "/v2/team/app/tags/list?last=%00", good(), 400, "TAG_INVALID"),
                        row(
                                "tags list last of invalid UTF-8 (%ff)",
                                "/v2/team/app/tags/list?last=%ff", good(), 400, "TAG_INVALID"),
                        row(
                                "tags list last not a tag",
                                "/v2/team/app/tags/list?last=a%20b",
                                good(),
                                400,
                                "TAG_INVALID"),
                        row(
                                "catalog last with a NUL byte (%00)",
                                "/v2/_catalog?last=%00",
                                () -> rsa.token().catalog().sign(),
                                400,
                                "NAME_INVALID"),
                        row(
                                "catalog last of invalid UTF-8 (%ff)",
                                "/v2/_catalog?last=%ff",
                                () -> rsa.token().catalog().sign(),
                                400,
                                "NAME_INVALID"),
                        row(
                                "referrers artifactType with a NUL byte (%00)",
                                "/v2/team/app/referrers/sha256:" + HEX64 + "?artifactType=%00",
                                good(),
                                400,
                                "MANIFEST_INVALID"),
                        row(
                                "referrers artifactType of invalid UTF-8 (%ff)",
                                "/v2/team/app/referrers/sha256:" + HEX64 + "?artifactType=%ff",
                                good(),
                                400,
                                "MANIFEST_INVALID"),
                        // long paths
                        row(
                                "path longer than 4096 characters",
                                "/v2/" + "a/".repeat(2100) + "tags/list",
                                good(),
                                400,
                                "NAME_INVALID"),
                        row(
                                "path longer than 4096 characters with '..'",
                                "/v2/" + "a/".repeat(2100) + "../tags/list",
                                good(),
                                400,
                                "NAME_INVALID"),
                        // refused by Jetty itself, before any handler: still the OCI error body, never an HTML page
                        new Row(
                                "header name with a space (Jetty refuses the request)",
                                "GET",
                                manifest,
                                good(),
                                400,
                                "UNKNOWN",
                                null,
                                Map.of("Bad Header", "x")),
                        // the router's listener takes 32 KiB of headers and forwards them to a registry-read
                        // of its own: 20 KiB were refused here with 431
                        new Row(
                                "20 KiB of request headers (bearer tokens with many scopes are large)",
                                "GET",
                                manifest,
                                good(),
                                200,
                                null,
                                null,
                                Map.of("X-Padding", "p".repeat(20 * 1024))),
                        new Row(
                                "headers larger than the limit",
                                "GET",
                                manifest,
                                good(),
                                431,
                                "UNKNOWN",
                                null,
                                Map.of("X-Padding", "p".repeat(64 * 1024))),
                        // tokens
                        auth("no Authorization header", manifest, () -> null, scope),
                        auth(
                                "GET /v2/ without a token (challenge without scope)",
                                "/v2/",
                                () -> null,
                                "service=\"" + SERVICE + "\""),
                        new Row("HEAD of a manifest without a token", "HEAD", manifest, () -> null, 401, null, null),
                        auth(
                                "basic credentials instead of a bearer token",
                                manifest,
                                () -> "Basic dXNlcjpwYXNz",
                                scope),
                        auth(
                                "forged signature: x5c chain to an untrusted CA",
                                manifest,
                                () -> rsa.token().pull("team/app").signWithUntrustedKey(),
                                "error=\"invalid_token\""),
                        auth(
                                "forged signature: kid of an untrusted key",
                                manifest,
                                () -> ec.token().pull("team/app").keyIdStyle().signWithUntrustedKey(),
                                "error=\"invalid_token\""),
                        auth(
                                "forged signature: trusted x5c, other key signed",
                                manifest,
                                () -> rsa.token().pull("team/app").signWithTrustedHeaderButWrongKey(),
                                "error=\"invalid_token\""),
                        auth(
                                "expired token",
                                manifest,
                                () -> rsa.token()
                                        .pull("team/app")
                                        .expiresAt(Instant.now().minusSeconds(3600))
                                        .sign(),
                                "error=\"invalid_token\""),
                        auth(
                                "token not yet valid (nbf)",
                                manifest,
                                () -> rsa.token()
                                        .pull("team/app")
                                        .notBefore(Instant.now().plusSeconds(3600))
                                        .sign(),
                                "error=\"invalid_token\""),
                        auth(
                                "wrong audience",
                                manifest,
                                () -> rsa.token()
                                        .pull("team/app")
                                        .audience("some-other-registry")
                                        .sign(),
                                "error=\"invalid_token\""),
                        auth(
                                "wrong issuer",
                                manifest,
                                () -> rsa.token()
                                        .pull("team/app")
                                        .issuer("evil-issuer")
                                        .sign(),
                                "error=\"invalid_token\""),
                        auth(
                                "alg none",
                                manifest,
                                () -> rsa.token().pull("team/app").unsigned(),
                                "error=\"invalid_token\""),
                        auth(
                                "HS256 with a guessed secret",
                                manifest,
                                () -> rsa.token()
                                        .pull("team/app")
                                        .signHs256("secretsecretsecretsecretsecret!!".getBytes(StandardCharsets.UTF_8)),
                                "error=\"invalid_token\""),
                        auth("garbage bearer token", manifest, () -> "Bearer not-a-jwt", "error=\"invalid_token\""),
                        auth(
                                "wrong repository scope",
                                manifest,
                                () -> rsa.token().pull("team/other").sign(),
                                "error=\"insufficient_scope\""),
                        auth(
                                "push-only token pulling",
                                manifest,
                                () -> rsa.token()
                                        .access("repository", "team/app", "push")
                                        .sign(),
                                "error=\"insufficient_scope\""),
                        auth(
                                "prefix of the repository name in scope",
                                manifest,
                                () -> rsa.token().pull("team").sign(),
                                "error=\"insufficient_scope\""),
                        auth(
                                "blob of a repository outside the scope",
                                "/v2/team/app/blobs/" + "sha256:" + HEX64,
                                () -> rsa.token().pull("other/app").sign(),
                                "error=\"insufficient_scope\""),
                        auth(
                                "catalog without registry:catalog:*",
                                "/v2/_catalog",
                                good(),
                                "scope=\"registry:catalog:*\",error=\"insufficient_scope\""),
                        // writes
                        new Row("PUT a manifest with a valid token", "PUT", manifest, good(), 405, "UNSUPPORTED", null),
                        new Row(
                                "POST a blob upload with a valid token",
                                "POST",
                                "/v2/team/app/blobs/uploads/",
                                good(),
                                405,
                                "UNSUPPORTED",
                                null),
                        new Row(
                                "DELETE a manifest without a token",
                                "DELETE",
                                manifest,
                                () -> null,
                                405,
                                "UNSUPPORTED",
                                null))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void badInputGetsTheRightStatusAndOciCode(Row row) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(row.headers());
        String token = row.token().get();
        if (token != null) {
            headers.put(
                    "Authorization",
                    token.startsWith("Basic ") || token.startsWith("Bearer ") ? token : "Bearer " + token);
        }
        RawHttp.Reply reply;
        CapturedLog logged = CapturedLog.everything();
        try (logged) {
            reply = RawHttp.send(stack.port(), row.method(), row.target(), headers);
        }
        assertThat(logged.events())
                .as(row.tried() + ": bad input is no server error, so no stack trace is logged")
                .noneMatch(e -> e.getThrowableProxy() != null && e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(reply.status())
                .as(row.tried() + ": status; body " + reply.body())
                .isEqualTo(row.status());
        assertThat(reply.header("Docker-Distribution-API-Version"))
                .as(row.tried() + ": API version header")
                .isEqualTo("registry/2.0");
        if (row.code() == null) {
            return;
        }
        assertThat(reply.header("Content-Type"))
                .as(row.tried() + ": content type, spelt alike by Jetty's error handler, PathGuard and Jersey")
                .isEqualTo("application/json;charset=utf-8");
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.at("/errors/0/code").asText())
                .as(row.tried() + ": OCI code; body " + reply.body())
                .isEqualTo(row.code());
        assertThat(body.at("/errors/0/message").asText())
                .as(row.tried() + ": message")
                .isNotBlank();
        if (row.status() == 401) {
            String challenge = reply.header("WWW-Authenticate");
            assertThat(challenge)
                    .as(row.tried() + ": challenge")
                    .startsWith("Bearer realm=\"" + REALM + "\",service=\"" + SERVICE + "\"")
                    .contains(row.challengeMust());
            if (row.challengeMust().startsWith("scope=") && !row.challengeMust().contains("error=")) {
                assertThat(challenge)
                        .as(row.tried() + ": no error without a token")
                        .doesNotContain("error=");
            }
        }
    }
}
