package io.georeg.router.outage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the outage shield reads from a token request: Basic credentials and pull scopes, and what it refuses to read. */
class TokenRequestParsingTest {

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicCredentialsAndTheirAbsenceAreRead() {
        assertThat(Credentials.fromAuthorization(basic("alice:s3:cret"))).contains(new Credentials("alice", "s3:cret"));
        assertThat(Credentials.fromAuthorization("basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes())))
                .isPresent();
        assertThat(Credentials.fromAuthorization(null)).contains(Credentials.ANONYMOUS);
        assertThat(new Credentials("alice", "s3cret").toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic !!!not-base64!!!", "Bearer abc", "Basic", "Basic ", "Digest username=alice"})
    void malformedAuthorizationHeadersAreUnusable(String header) {
        assertThat(Credentials.fromAuthorization(header)).isEmpty();
    }

    @Test
    void credentialsNoTokenServiceWouldAcceptAreUnusable() {
        assertThat(Credentials.fromAuthorization(basic("alice"))).as("no colon").isEmpty();
        assertThat(Credentials.fromAuthorization(basic(":pw"))).as("no user").isEmpty();
        assertThat(Credentials.fromAuthorization(basic("alice:")))
                .as("no password")
                .isEmpty();
        assertThat(Credentials.fromAuthorization(basic("al\u0000ice:pw")))
                .as("control character")
                .isEmpty();
        assertThat(Credentials.fromAuthorization(basic("a".repeat(257) + ":pw")))
                .as("user over 256 bytes")
                .isEmpty();
        assertThat(Credentials.fromAuthorization(basic("alice:" + "p".repeat(4097))))
                .as("password over 4096 bytes")
                .isEmpty();
        assertThat(Credentials.fromAuthorization(basic("a".repeat(256) + ":" + "p".repeat(4096))))
                .as("at the limits")
                .isPresent();
    }

    @Test
    void onlyPullOfValidRepositoryNamesCounts() {
        ScopeRequest scopes = ScopeRequest.of(List.of(
                "repository:team/app:pull,push",
                "repository:team/lib:* repository:team/push-only:push",
                "registry:catalog:*",
                "repository:team/../etc:pull",
                "repository:TEAM/APP:pull",
                "repository:team/app:pull:extra",
                "repository::pull",
                "repository:team/app",
                "::",
                "",
                "repository:team/*:pull",
                "repository:team/app%2Fx:pull"));

        assertThat(scopes.pullRepositories()).containsExactlyInAnyOrder("team/app", "team/lib");
        assertThat(scopes.tooMany()).isFalse();
    }

    @Test
    void moreThanTheLimitOfScopesIsTooManyAndGrantsNothing() {
        ScopeRequest scopes = ScopeRequest.of(IntStream.range(0, ScopeRequest.MAX_SCOPES + 1)
                .mapToObj(i -> "repository:r" + i + ":pull")
                .toList());

        assertThat(scopes.tooMany()).isTrue();
        assertThat(scopes.pullRepositories()).isEmpty();
        assertThat(ScopeRequest.of(List.of(String.join(
                                " ",
                                IntStream.range(0, ScopeRequest.MAX_SCOPES)
                                        .mapToObj(i -> "repository:r" + i + ":pull")
                                        .toList())))
                        .pullRepositories())
                .hasSize(ScopeRequest.MAX_SCOPES);
    }
}
