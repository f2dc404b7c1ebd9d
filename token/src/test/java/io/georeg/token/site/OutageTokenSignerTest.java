package io.georeg.token.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.token.LibtrustKeyId;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenRejectedException;
import io.georeg.token.TokenVerifier;
import io.georeg.token.TrustedKeys;
import io.georeg.token.VerifiedToken;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutageTokenSignerTest {
    static final String SITE = "georeg-site-b";
    static final String SERVICE = "registry";

    @TempDir
    static Path dir;

    static TestTokenIssuer primary;
    static TokenAuthConfig primaryConfig;
    static TrustedKeys primaryKeys;

    @BeforeAll
    static void primary() {
        primary = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, "primary-issuer", SERVICE);
        Path bundle = primary.writeRootBundle(dir.resolve("root.pem"));
        primaryConfig =
                new TokenAuthConfig("https://auth.example/jwt/auth", SERVICE, "primary-issuer", bundle).validate();
        primaryKeys = TrustedKeys.load(bundle);
    }

    static TokenVerifier verifierTrusting(SiteKeys keys) {
        return new TokenVerifier(
                primaryConfig, primaryKeys, new TokenVerifier.SiteTrust(SITE, keys.publicKeys()), Clock.systemUTC());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void mintedTokenCarriesTheKidAndTheSiteIssuerAndGrantsPullOnly(String kind) throws Exception {
        TestSiteKey key = kind.equals("RSA") ? TestSiteKey.rsa() : TestSiteKey.ec();
        SiteKeys keys = SiteKeys.load(key.privatePem(), null);
        OutageTokenSigner signer = new OutageTokenSigner(keys, SITE, Clock.systemUTC());

        String token = signer.mint("alice", SERVICE, List.of("team/app"), Duration.ofMinutes(2))
                .token();
        SignedJWT jwt = SignedJWT.parse(token);
        VerifiedToken verified = verifierTrusting(keys).verify(token);

        assertThat(jwt.getHeader().getKeyID())
                .isEqualTo(LibtrustKeyId.of(key.keys().getPublic()));
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo(kind.equals("RSA") ? "RS256" : "ES256");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(SITE);
        assertThat(verified.subject()).isEqualTo("alice");
        assertThat(verified.grants()).containsExactly("repository:team/app:pull");
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().getTime()
                        - jwt.getJWTClaimsSet().getIssueTime().getTime())
                .isEqualTo(120_000);
    }

    @Test
    void duringARotationTokensOfThePreviousKeyStayValidAndAfterItTheyDoNot() throws Exception {
        TestSiteKey old = TestSiteKey.ec();
        TestSiteKey next = TestSiteKey.rsa();
        String oldToken = new OutageTokenSigner(SiteKeys.load(old.privatePem(), null), SITE, Clock.systemUTC())
                .mint("alice", SERVICE, List.of("a"), Duration.ofMinutes(1))
                .token();

        SiteKeys rotating = SiteKeys.load(next.privatePem(), old.publicPem());
        String newToken = new OutageTokenSigner(rotating, SITE, Clock.systemUTC())
                .mint("alice", SERVICE, List.of("a"), Duration.ofMinutes(1))
                .token();

        assertThat(rotating.publicKeys().trustedCount()).isEqualTo(2);
        assertThat(verifierTrusting(rotating).verify(oldToken).grants()).containsExactly("repository:a:pull");
        assertThat(verifierTrusting(rotating).verify(newToken).grants()).containsExactly("repository:a:pull");
        SiteKeys rotated = SiteKeys.load(next.privatePem(), null);
        assertThatThrownBy(() -> verifierTrusting(rotated).verify(oldToken)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void siteKeyCannotSpeakForThePrimaryNorThePrimaryForTheSite() throws Exception {
        SiteKeys keys = SiteKeys.load(TestSiteKey.ec().privatePem(), null);
        OutageTokenSigner claimingPrimary = new OutageTokenSigner(keys, "primary-issuer", Clock.systemUTC());
        String forged = claimingPrimary
                .mint("alice", SERVICE, List.of("a"), Duration.ofMinutes(1))
                .token();
        String primaryAsSite =
                primary.token().issuer(SITE).pull("a").keyIdStyle().sign();

        assertThatThrownBy(() -> verifierTrusting(keys).verify(forged))
                .isInstanceOf(TokenRejectedException.class)
                .hasMessageContaining("issuer");
        assertThatThrownBy(() -> verifierTrusting(keys).verify(primaryAsSite))
                .isInstanceOf(TokenRejectedException.class)
                .hasMessageContaining("issuer");
        assertThat(verifierTrusting(keys)
                        .verify(primary.token()
                                .pull("a")
                                .access("repository", "a", "push")
                                .sign())
                        .grants())
                .contains("repository:a:push");
    }

    @Test
    void withoutSiteTrustOutageTokensAreRefused() {
        SiteKeys keys = SiteKeys.load(TestSiteKey.ec().privatePem(), null);
        String token = new OutageTokenSigner(keys, SITE, Clock.systemUTC())
                .mint("alice", SERVICE, List.of("a"), Duration.ofMinutes(1))
                .token();

        assertThatThrownBy(() -> new TokenVerifier(primaryConfig, primaryKeys, Clock.systemUTC()).verify(token))
                .isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void badKeysAreRefusedNamingTheirConfigurationKey() {
        assertThatThrownBy(() -> SiteKeys.load(TestSiteKey.weakRsa().privatePem(), null))
                .hasMessageContaining("auth.outage.signingKey")
                .hasMessageContaining("2048");
        assertThatThrownBy(() -> SiteKeys.load("not a key", null)).hasMessageContaining("auth.outage.signingKey");
        assertThatThrownBy(() -> SiteKeys.load(TestSiteKey.ec().publicPem(), null))
                .hasMessageContaining("public key");
        assertThatThrownBy(() -> SiteKeys.load(TestSiteKey.ec().privatePem(), "garbage"))
                .hasMessageContaining("auth.outage.previousPublicKey");
        OutageTokenConfig config = new OutageTokenConfig(
                "", TestSiteKey.ec().privatePem(), null, null, Duration.ofHours(2), Duration.ofHours(1), 0);
        assertThat(config.problems())
                .anyMatch(p -> p.startsWith("auth.outage.issuer"))
                .anyMatch(p -> p.startsWith("auth.outage.tokenLifetime"));
        assertThat(config.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void aVerifierGivenOnlyThePublicKeyAcceptsTheSitesTokensAndNeverHoldsThePrivateKey() throws Exception {
        TestSiteKey key = TestSiteKey.ec();
        String token = new OutageTokenSigner(SiteKeys.load(key.privatePem(), null), SITE, Clock.systemUTC())
                .mint("alice", SERVICE, List.of("team/app"), Duration.ofMinutes(1))
                .token();
        OutageTokenConfig verifierOnly = new OutageTokenConfig(SITE, null, key.publicPem(), null, null, null, 0);

        assertThat(verifierOnly.problems()).isEmpty();
        assertThat(verifierOnly.enabled())
                .as("no signing key: this process mints nothing")
                .isFalse();
        VerifiedToken verified = new TokenVerifier(
                        primaryConfig,
                        primaryKeys,
                        new TokenVerifier.SiteTrust(SITE, verifierOnly.trustedKeys()),
                        Clock.systemUTC())
                .verify(token);
        assertThat(verified.grants()).containsExactly("repository:team/app:pull");
    }

    @Test
    void aPublicKeyThatIsPrivateOrNotTheSigningKeysHalfIsRefusedNamingTheFix() {
        TestSiteKey key = TestSiteKey.ec();
        assertThat(new OutageTokenConfig(SITE, null, key.privatePem(), null, null, null, 0).problems())
                .singleElement()
                .asString()
                .contains("auth.outage.publicKey holds a private key")
                .contains("openssl pkey");
        assertThat(new OutageTokenConfig(
                                SITE, key.privatePem(), TestSiteKey.ec().publicPem(), null, null, null, 0)
                        .problems())
                .singleElement()
                .asString()
                .contains("auth.outage.publicKey is not the public half of auth.outage.signingKey");
        assertThat(new OutageTokenConfig(SITE, key.privatePem(), key.publicPem(), null, null, null, 0).problems())
                .isEmpty();
        assertThat(new OutageTokenConfig(null, null, key.publicPem(), null, null, null, 0).problems())
                .singleElement()
                .asString()
                .startsWith("auth.outage.issuer");
    }
}
