package io.georeg.testkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestTokenEndpointTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestTokenIssuer issuer;
    static TestTokenEndpoint tokens;

    @BeforeAll
    static void start() {
        issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.EC, "iss", "svc");
        tokens = TestTokenEndpoint.builder(issuer)
                .user("alice", "pw")
                .grant("alice", "team/*", "pull", "push")
                .user("bob", "pw2")
                .grant("bob", "team/app", "pull")
                .anonymousPull("public/*")
                .start();
    }

    @AfterAll
    static void stop() {
        tokens.close();
    }

    @Test
    void grantsOnlyTheAskedActionsEachUserHasOnEachRepository() throws Exception {
        assertThat(access("alice:pw", "repository:team/app:pull,push,delete"))
                .containsExactly(entry("team/app", "pull", "push"));
        assertThat(access("bob:pw2", "repository:team/app:pull,push")).containsExactly(entry("team/app", "pull"));
        assertThat(access("bob:pw2", "repository:team/other:pull")).isEmpty();
        assertThat(access("bob:pw2", "repository:public/base:pull")).containsExactly(entry("public/base", "pull"));
        assertThat(access(null, "repository:public/base:pull,push")).containsExactly(entry("public/base", "pull"));
        assertThat(access(null, "repository:team/app:pull")).isEmpty();
        assertThat(access("alice:pw", "registry:catalog:*")).isEmpty();
    }

    @Test
    void wrongPasswordAndChangedPasswordAre401() throws Exception {
        assertThat(get("alice:nope", "repository:team/app:pull").statusCode()).isEqualTo(401);
        tokens.setPassword("bob", "new");
        try {
            assertThat(get("bob:pw2", "repository:team/app:pull").statusCode()).isEqualTo(401);
            assertThat(get("bob:new", "repository:team/app:pull").statusCode()).isEqualTo(200);
        } finally {
            tokens.setPassword("bob", "pw2");
        }
    }

    @Test
    void stopsRefusingConnectionsAndRestartsOnTheSameRealm() throws Exception {
        URI realm = tokens.realm();
        tokens.stop();
        try {
            assertThatThrownBy(() -> get("alice:pw", "repository:team/app:pull"))
                    .isInstanceOf(IOException.class);
        } finally {
            tokens.restart();
        }
        assertThat(tokens.realm()).isEqualTo(realm);
        assertThat(get("alice:pw", "repository:team/app:pull").statusCode()).isEqualTo(200);
    }

    @Test
    void failsWithTheGivenStatusUntilToldOtherwise() throws Exception {
        tokens.failWith(503);
        try {
            assertThat(get("alice:pw", "repository:team/app:pull").statusCode()).isEqualTo(503);
        } finally {
            tokens.failWith(0);
        }
        assertThat(get("alice:pw", "repository:team/app:pull").statusCode()).isEqualTo(200);
    }

    /**
     * docker's flow with a token service that issues refresh tokens: {@code docker login} asks a
     * {@code GET} with {@code offline_token=true} and stores the refresh token as its identity
     * token; each later pull asks an OAuth2 refresh grant with it, no password anywhere.
     */
    @Test
    void anOfflineLoginGetsARefreshTokenThatRefreshGrantsTradeForTokensOfItsUser() throws Exception {
        try (TestTokenEndpoint oauth = TestTokenEndpoint.builder(issuer)
                .user("carol", "c4rol")
                .grant("carol", "team/*", "pull")
                .oauth2()
                .start()) {
            String basic =
                    "Basic " + Base64.getEncoder().encodeToString("carol:c4rol".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> login = HTTP.send(
                    HttpRequest.newBuilder(URI.create(
                                    oauth.realm() + "?account=carol&client_id=docker&offline_token=true&service=svc"))
                            .header("Authorization", basic)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> online = HTTP.send(
                    HttpRequest.newBuilder(URI.create(oauth.realm() + "?account=carol&service=svc"))
                            .header("Authorization", basic)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
            String refreshToken =
                    JSON.readTree(login.body()).path("refresh_token").asText();
            assertThat(refreshToken).hasSizeGreaterThanOrEqualTo(32);
            assertThat(JSON.readTree(online.body()).has("refresh_token")).isFalse();

            HttpResponse<String> pull = refreshGrant(oauth, refreshToken, "repository:team/app:pull,push");
            assertThat(pull.statusCode()).as(pull.body()).isEqualTo(200);
            var claims = SignedJWT.parse(
                            JSON.readTree(pull.body()).path("access_token").asText())
                    .getJWTClaimsSet();
            assertThat(claims.getSubject()).isEqualTo("carol");
            assertThat(claims.getListClaim("access")).containsExactly(entry("team/app", "pull"));
            assertThat(JSON.readTree(pull.body()).path("refresh_token").asText())
                    .isEqualTo(refreshToken);

            assertThat(refreshGrant(oauth, refreshToken + "x", "repository:team/app:pull")
                            .statusCode())
                    .as("a token never issued")
                    .isEqualTo(401);
            oauth.revokeRefreshTokens("carol");
            assertThat(refreshGrant(oauth, refreshToken, "repository:team/app:pull")
                            .statusCode())
                    .as("revoked")
                    .isEqualTo(401);
        }
    }

    private static HttpResponse<String> refreshGrant(TestTokenEndpoint oauth, String refreshToken, String scope)
            throws Exception {
        String form = "client_id=docker&grant_type=refresh_token&refresh_token=" + refreshToken + "&scope="
                + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8) + "&service=svc";
        return HTTP.send(
                HttpRequest.newBuilder(oauth.realm())
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> entry(String name, String... actions) {
        return Map.of("type", "repository", "name", name, "actions", List.of(actions));
    }

    private static List<Object> access(String credentials, String scope) throws Exception {
        HttpResponse<String> r = get(credentials, scope);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String token = new ObjectMapper().readTree(r.body()).path("token").asText();
        return SignedJWT.parse(token).getJWTClaimsSet().getListClaim("access");
    }

    private static HttpResponse<String> get(String credentials, String scope) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tokens.realm() + "?service=svc&scope=" + scope));
        if (credentials != null) {
            b.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
