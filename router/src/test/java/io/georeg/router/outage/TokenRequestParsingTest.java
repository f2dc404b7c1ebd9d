package io.georeg.router.outage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the outage shield reads from a token request: Basic credentials, or those of an OAuth2 form
 * {@code POST} (containerd's), and pull scopes, and what it refuses to read.
 */
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

    private static byte[] form(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** containerd 1.6's OAuth2 password grant, as it sends it to the realm with credentials. */
    @Test
    void anOAuth2PasswordGrantIsReadWithItsScopesFromTheForm() {
        TokenRequest request = TokenRequest.ofForm(
                null,
                form("access_type=online&client_id=containerd-client&grant_type=password&password=s3%3Acret%26x"
                        + "&scope=repository%3Ateam%2Fapp%3Apull+repository%3Ateam%2Flib%3Apull&service=registry"
                        + "&username=alice"));

        assertThat(request.authentication()).contains(new Credentials("alice", "s3:cret&x"));
        assertThat(ScopeRequest.of(request.scopes()).pullRepositories())
                .containsExactlyInAnyOrder("team/app", "team/lib");
    }

    @Test
    void aFormNeverCountsAsAnonymous() {
        assertThat(TokenRequest.ofForm(null, form("grant_type=refresh_token&refresh_token=abc&scope=x"))
                        .authentication())
                .as("a refresh token too short to be one a token service issues")
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=refresh_token&scope=x"))
                        .authentication())
                .as("a refresh grant without its token")
                .isEmpty();
        assertThat(TokenRequest.ofForm(
                                basic("bob:pw"), form("grant_type=refresh_token&refresh_token=" + "r".repeat(32)))
                        .authentication())
                .as("a refresh grant with a Basic header too")
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=authorization_code&code=" + "c".repeat(32)))
                        .authentication())
                .as("another grant type")
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("scope=repository%3Ateam%2Fapp%3Apull"))
                        .authentication())
                .as("no grant type")
                .isEmpty();
        assertThat(TokenRequest.ofForm(basic("bob:pw"), form("grant_type=password&username=alice&password=pw"))
                        .authentication())
                .as("a Basic header too: which the token service believed cannot be told")
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, null).authentication())
                .as("too large, or not read whole")
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=password&username=alice&password=%zz"))
                        .authentication())
                .as("bad percent-encoding")
                .isEmpty();
    }

    @Test
    void aFormsCredentialsGetTheChecksOfBasic() {
        assertThat(TokenRequest.ofForm(null, form("grant_type=password&username=alice&password="))
                        .authentication())
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=password&password=pw"))
                        .authentication())
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=password&username=al%00ice&password=pw"))
                        .authentication())
                .isEmpty();
        assertThat(TokenRequest.ofForm(null, form("grant_type=password&username=alice&password=" + "p".repeat(4097)))
                        .authentication())
                .isEmpty();
    }

    /**
     * A form that cannot be decoded counted as asking for nothing (a frozen router forwarded it),
     * while a query that cannot be decoded counted as asking to write: both may ask to write now.
     */
    @Test
    void aFormOrQueryThatCannotBeDecodedMayAskToWrite() {
        Predicate<List<String>> pullsOnly = scopes -> false;

        assertThat(TokenRequest.ofForm(
                                null,
                                form("grant_type=password&username=alice&password=%zz"
                                        + "&scope=repository%3Ateam%2Fapp%3Apull"))
                        .mayAskToWrite(pullsOnly))
                .as("bad percent-encoding in a form")
                .isTrue();
        assertThat(TokenRequest.ofForm(null, null).mayAskToWrite(pullsOnly))
                .as("a form too large, or not read whole")
                .isTrue();
        assertThat(TokenRequest.ofQuery(null, "service=r&scope=repository%3Ateam%2Fapp%3Apull%zz")
                        .mayAskToWrite(pullsOnly))
                .as("bad percent-encoding in a query")
                .isTrue();
        assertThat(TokenRequest.ofForm(
                                null,
                                form("grant_type=password&username=alice&password=pw"
                                        + "&scope=repository%3Ateam%2Fapp%3Apull"))
                        .mayAskToWrite(pullsOnly))
                .isFalse();
        assertThat(TokenRequest.ofQuery(null, null).mayAskToWrite(pullsOnly))
                .as("a login")
                .isFalse();
    }

    /** docker's refresh grant, as its token handler posts it once it holds an identity token (fetchTokenWithOAuth). */
    @Test
    void dockersRefreshGrantIsReadWithItsTokenAndScopes() {
        String token = "kas9Da81Dfa8-0123456789_abcdefXYZ";
        TokenRequest request = TokenRequest.ofForm(
                null,
                form("client_id=docker&grant_type=refresh_token&refresh_token=" + token
                        + "&scope=repository%3Ateam%2Fapp%3Apull+repository%3Ateam%2Fbase%3Apull"
                        + "&service=registry.example"));

        assertThat(request.authentication()).contains(new RefreshToken(token));
        assertThat(ScopeRequest.of(request.scopes()).pullRepositories())
                .containsExactlyInAnyOrder("team/app", "team/base");
        assertThat(request.authentication().orElseThrow().toString()).doesNotContain(token);
    }

    @Test
    void aRefreshTokenIsStoredAsItsHashOnly() {
        RefreshToken token = RefreshToken.of("r".repeat(RefreshToken.MIN_CHARS)).orElseThrow();

        assertThat(token.hash()).hasSize(32).isEqualTo(new RefreshToken(token.token()).hash());
        assertThat(token.hash()).isNotEqualTo(new RefreshToken(token.token() + "x").hash());
        assertThat(RefreshToken.of("r".repeat(RefreshToken.MIN_CHARS - 1)))
                .as("too short")
                .isEmpty();
        assertThat(RefreshToken.of("r".repeat(RefreshToken.MAX_BYTES + 1)))
                .as("too long")
                .isEmpty();
        assertThat(RefreshToken.of("r".repeat(20) + " x")).as("a space").isEmpty();
        assertThat(RefreshToken.of(null)).isEmpty();
    }
}
