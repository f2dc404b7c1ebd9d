package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.TokenAuthenticator;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.token.TokenAuthConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution token dance end to end, as docker and skopeo do it: pull without a token,
 * read the challenge, ask the realm (testkit's GitLab-style {@code /jwt/auth}) for the scope it
 * names with basic credentials, retry with the bearer token.
 */
class TokenFlowIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path dir;

    static TestTokenEndpoint tokens;
    static ReadStack stack;
    static TestImage image;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    @BeforeAll
    static void start() throws Exception {
        TestTokenIssuer issuer = TestTokenIssuer.create(KeyKind.RSA, "gitlab-issuer", "container_registry");
        tokens = TestTokenEndpoint.start(issuer, Map.of("alice", "s3cret"), false);
        Path bundle = issuer.writeRootBundle(dir.resolve("bundle.pem"));
        var auth = TokenAuthenticator.create(
                new TokenAuthConfig(tokens.realm().toString(), "container_registry", "gitlab-issuer", bundle),
                Clock.systemUTC());
        stack = new ReadStack(DB, dir.resolve("storage"), auth, ReadOptions.loopbackEphemeral());
        image = TestImages.image(42);
        stack.store(RepositoryName.of("group/project"), image, "latest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    @Test
    void clientFollowsTheChallengeToTheRealmAndPulls() throws Exception {
        URI manifest = URI.create("http://127.0.0.1:" + stack.port() + "/v2/group/project/manifests/latest");
        var first = HTTP.send(HttpRequest.newBuilder(manifest).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(401);
        Map<String, String> challenge = new java.util.HashMap<>();
        Matcher m = PARAM.matcher(first.headers().firstValue("WWW-Authenticate").orElseThrow());
        while (m.find()) {
            challenge.put(m.group(1), m.group(2));
        }
        assertThat(challenge)
                .containsEntry("realm", tokens.realm().toString())
                .containsEntry("scope", "repository:group/project:pull");

        URI tokenUri = URI.create(challenge.get("realm") + "?service=" + challenge.get("service") + "&scope="
                + URLEncoder.encode(challenge.get("scope"), StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        var tokenReply = HTTP.send(
                HttpRequest.newBuilder(tokenUri)
                        .header("Authorization", "Basic " + basic)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tokenReply.statusCode()).isEqualTo(200);
        var body = new ObjectMapper().readTree(tokenReply.body());
        assertThat(body.get("expires_in").asInt()).isPositive();
        assertThat(body.get("access_token").asText())
                .isEqualTo(body.get("token").asText());

        var second = HTTP.send(
                HttpRequest.newBuilder(manifest)
                        .header("Authorization", "Bearer " + body.get("token").asText())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(image.manifest().content());
        assertThat(tokens.requests()).isEqualTo(1);
    }

    @Test
    void realmRefusesBadCredentials() throws Exception {
        String basic = Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8));
        var r = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                tokens.realm() + "?service=container_registry&scope=repository:group/project:pull"))
                        .header("Authorization", "Basic " + basic)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
    }
}
