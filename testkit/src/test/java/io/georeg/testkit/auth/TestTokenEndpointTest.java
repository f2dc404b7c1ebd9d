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
