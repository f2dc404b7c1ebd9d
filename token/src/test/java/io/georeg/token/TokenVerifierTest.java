package io.georeg.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class TokenVerifierTest {
    static final String ISSUER = "test-issuer";
    static final String SERVICE = "test-registry";

    @TempDir
    static Path dir;

    static TestTokenIssuer rsa;
    static TestTokenIssuer ec;
    static TokenVerifier rsaVerifier;
    static TokenVerifier ecVerifier;

    @BeforeAll
    static void issuers() {
        rsa = TestTokenIssuer.create(KeyKind.RSA, ISSUER, SERVICE);
        ec = TestTokenIssuer.create(KeyKind.EC, ISSUER, SERVICE);
        rsaVerifier = verifier(rsa, "rsa.pem");
        ecVerifier = verifier(ec, "ec.pem");
    }

    static TokenVerifier verifier(TestTokenIssuer issuer, String file) {
        Path bundle = issuer.writeRootBundle(dir.resolve(file));
        TokenAuthConfig config =
                new TokenAuthConfig("https://auth.example/jwt/auth", SERVICE, ISSUER, bundle).validate();
        return new TokenVerifier(config, TrustedKeys.load(bundle), Clock.systemUTC());
    }

    static TokenVerifier verifierFor(KeyKind kind) {
        return kind == KeyKind.RSA ? rsaVerifier : ecVerifier;
    }

    static TestTokenIssuer issuerFor(KeyKind kind) {
        return kind == KeyKind.RSA ? rsa : ec;
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void tokenWithX5cChainToTheRootBundleIsAccepted(KeyKind kind) throws Exception {
        VerifiedToken t = verifierFor(kind)
                .verify(issuerFor(kind).token().subject("alice").pull("a/b").sign());
        assertThat(t.subject()).isEqualTo("alice");
        assertThat(t.allows(new AccessRequest("repository", "a/b", "pull"))).isTrue();
        assertThat(t.allows(new AccessRequest("repository", "a/c", "pull"))).isFalse();
        assertThat(t.allows(new AccessRequest("repository", "a/b", "push"))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void tokenNamingABundleKeyByLibtrustKidIsAccepted(KeyKind kind) throws Exception {
        VerifiedToken t = verifierFor(kind)
                .verify(issuerFor(kind).token().pull("a").keyIdStyle().sign());
        assertThat(t.allows(new AccessRequest("repository", "a", "pull"))).isTrue();
    }

    @Test
    void libtrustKeyIdAgreesWithTheIssuersIndependentImplementation() {
        var key = rsa.signingCertificate().getPublicKey();
        String kid = LibtrustKeyId.of(key);
        assertThat(kid).isEqualTo(TestTokenIssuer.keyId(key)).matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}");
    }

    @Test
    void wildcardActionAndCatalogScopeAreGranted() throws Exception {
        VerifiedToken t = rsaVerifier.verify(
                rsa.token().access("repository", "a", "*").catalog().sign());
        assertThat(t.allows(new AccessRequest("repository", "a", "pull"))).isTrue();
        assertThat(t.allows(AccessRequest.catalog())).isTrue();
    }

    static Stream<Arguments> badTokens() {
        Function<TestTokenIssuer, String> expired = i -> i.token()
                .pull("a")
                .expiresAt(Instant.now().minus(Duration.ofHours(1)))
                .sign();
        Function<TestTokenIssuer, String> expiredBeyondSkew = i ->
                i.token().pull("a").expiresAt(Instant.now().minusSeconds(61)).sign();
        Function<TestTokenIssuer, String> notYetValid = i -> i.token()
                .pull("a")
                .notBefore(Instant.now().plus(Duration.ofMinutes(5)))
                .sign();
        Function<TestTokenIssuer, String> noExp =
                i -> i.token().pull("a").expiresAt(null).sign();
        Function<TestTokenIssuer, String> wrongAud =
                i -> i.token().pull("a").audience("other-registry").sign();
        Function<TestTokenIssuer, String> wrongIss =
                i -> i.token().pull("a").issuer("evil-issuer").sign();
        Function<TestTokenIssuer, String> forged = i -> i.token().pull("a").signWithUntrustedKey();
        Function<TestTokenIssuer, String> forgedKid =
                i -> i.token().pull("a").keyIdStyle().signWithUntrustedKey();
        Function<TestTokenIssuer, String> trustedHeaderWrongKey =
                i -> i.token().pull("a").signWithTrustedHeaderButWrongKey();
        Function<TestTokenIssuer, String> none = i -> i.token().pull("a").unsigned();
        Function<TestTokenIssuer, String> hs256 =
                i -> i.token().pull("a").signHs256("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        Function<TestTokenIssuer, String> tamperedClaims =
                i -> tamper(i.token().pull("a").sign());
        Function<TestTokenIssuer, String> garbage = i -> "not.a.jwt";
        return Stream.of(
                Arguments.of("expired an hour ago", expired),
                Arguments.of("expired beyond the 60s skew", expiredBeyondSkew),
                Arguments.of("nbf in the future", notYetValid),
                Arguments.of("no exp", noExp),
                Arguments.of("wrong audience", wrongAud),
                Arguments.of("wrong issuer", wrongIss),
                Arguments.of("x5c chain to an untrusted CA", forged),
                Arguments.of("kid of an untrusted key", forgedKid),
                Arguments.of("trusted x5c but signed by another key", trustedHeaderWrongKey),
                Arguments.of("alg none", none),
                Arguments.of("HS256 shared secret", hs256),
                Arguments.of("claims changed after signing", tamperedClaims),
                Arguments.of("not a JWT", garbage));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void badTokensAreRejectedForBothKeyKinds(String what, Function<TestTokenIssuer, String> mint) {
        for (KeyKind kind : KeyKind.values()) {
            String token = mint.apply(issuerFor(kind));
            assertThatThrownBy(() -> verifierFor(kind).verify(token))
                    .as(what + " (" + kind + ")")
                    .isInstanceOf(TokenRejectedException.class);
        }
    }

    @Test
    void expiryWithinTheClockSkewIsStillAccepted() throws Exception {
        rsaVerifier.verify(
                rsa.token().pull("a").expiresAt(Instant.now().minusSeconds(30)).sign());
    }

    /** Replaces the payload with one granting more, keeping the original signature. */
    static String tamper(String jwt) {
        String[] parts = jwt.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"name\":\"a\"", "\"name\":\"b\"");
        return parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + parts[2];
    }

    @Test
    void configurationErrorsNameTheKey() {
        assertThatThrownBy(() -> new TokenAuthConfig("gitlab/jwt", "", null, dir.resolve("missing.pem")).validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auth.token.realm")
                .hasMessageContaining("auth.token.service")
                .hasMessageContaining("auth.token.issuer")
                .hasMessageContaining("auth.token.rootcertbundle");
    }
}
