package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the test token issuer and the behaviour registry-read copies against the real thing:
 * CNCF distribution 2.8 (Debian's {@code docker-registry}) configured with the same
 * {@code auth.token} settings. If distribution accepts our x5c and libtrust-kid tokens, the
 * issuer (and so registry-read's verifier, tested with it) speaks the same format; and the
 * answers registry-read's README cites (insufficient scope is 401, catalog {@code n} over the
 * maximum is PAGINATION_NUMBER_INVALID) are asserted on distribution itself.
 */
class DistributionTokenInteropIT {
    static final String BINARY = "/usr/bin/docker-registry";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Process registry;
    static int port;
    static TestTokenIssuer rsa;
    static TestTokenIssuer ec;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(Path.of(BINARY))) {
            fail(BINARY + " is missing: install CNCF distribution 2.8 with `sudo apt-get install -y docker-registry`");
        }
        rsa = TestTokenIssuer.create(KeyKind.RSA, "interop-issuer", "interop-registry");
        ec = TestTokenIssuer.create(KeyKind.EC, "interop-issuer", "interop-registry");
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(
                bundle,
                Files.readString(rsa.writeRootBundle(dir.resolve("r.pem")))
                        + Files.readString(ec.writeRootBundle(dir.resolve("e.pem"))));
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                auth:
                  token:
                    realm: https://auth.example/jwt/auth
                    service: interop-registry
                    issuer: interop-issuer
                    rootcertbundle: %s
                """.formatted(dir.resolve("storage"), port, bundle));
        registry = new ProcessBuilder(BINARY, "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile())
                .start();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!registry.isAlive()) {
                        fail("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
                    }
                    try {
                        return RawHttp.send(port, "GET", "/v2/", Map.of()).status() == 401;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static RawHttp.Reply get(String path, String token) throws IOException {
        return RawHttp.send(port, "GET", path, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
    }

    @Test
    void distributionAcceptsTheIssuersX5cAndLibtrustKidTokens() throws Exception {
        assertThat(get("/v2/", rsa.token().sign()).status()).as("RS256 x5c").isEqualTo(200);
        assertThat(get("/v2/", ec.token().sign()).status()).as("ES256 x5c").isEqualTo(200);
        assertThat(get("/v2/", rsa.token().keyIdStyle().sign()).status())
                .as("RS256 kid")
                .isEqualTo(200);
        assertThat(get("/v2/", ec.token().keyIdStyle().sign()).status())
                .as("ES256 kid")
                .isEqualTo(200);
    }

    @Test
    void distributionRejectsTheIssuersBadTokens() throws Exception {
        for (String bad : new String[] {
            rsa.token().signWithUntrustedKey(),
            ec.token().keyIdStyle().signWithUntrustedKey(),
            rsa.token().expiresAt(Instant.now().minusSeconds(3600)).sign(),
            rsa.token().audience("other").sign(),
            rsa.token().issuer("other").sign()
        }) {
            RawHttp.Reply r = get("/v2/", bad);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
        }
    }

    @Test
    void distributionAnswersInsufficientScopeWith401Unauthorized() throws Exception {
        RawHttp.Reply r =
                get("/v2/team/app/tags/list", rsa.token().pull("team/other").sign());
        assertThat(r.status()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).at("/errors/0/code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(r.header("WWW-Authenticate"))
                .isEqualTo(
                        "Bearer realm=\"https://auth.example/jwt/auth\",service=\"interop-registry\",scope=\"repository:team/app:pull\",error=\"insufficient_scope\"");
    }

    @Test
    void distributionRefusesCatalogNOverTheMaximum() throws Exception {
        RawHttp.Reply r = get("/v2/_catalog?n=1001", rsa.token().catalog().sign());
        assertThat(r.status()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/errors/0/code").asText()).isEqualTo("PAGINATION_NUMBER_INVALID");
    }
}
