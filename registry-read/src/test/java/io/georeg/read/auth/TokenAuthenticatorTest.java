package io.georeg.read.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.RepositoryName;
import io.georeg.read.api.OciHttpException;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import io.georeg.token.AccessRequest;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenVerifier;
import io.georeg.token.TrustedKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthenticatorTest {
    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        Instant now = Instant.now();

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void cachedTokenStopsWorkingWhenItExpires() {
        MovableClock clock = new MovableClock();
        TestTokenIssuer issuer = TestTokenIssuer.create(KeyKind.EC, "iss", "svc", clock);
        TokenAuthConfig config = new TokenAuthConfig(
                "https://auth.example/token",
                "svc",
                "iss",
                issuer.writeRootBundle(dir.resolve("b.pem")),
                Duration.ZERO);
        TokenAuthenticator auth = new TokenAuthenticator(
                config.validate(),
                new TokenVerifier(config, TrustedKeys.load(config.rootCertBundle()), clock),
                new TokenCache(100, Duration.ofMinutes(5)),
                clock);
        String token = "Bearer "
                + issuer.token()
                        .pull("a/b")
                        .expiresAt(clock.now.plusSeconds(60))
                        .sign();
        AccessRequest pull = AccessRequest.pull(RepositoryName.of("a/b"));

        assertThatCode(() -> auth.authorize(token, pull)).doesNotThrowAnyException();
        assertThatCode(() -> auth.authorize(token, pull))
                .as("served from the cache")
                .doesNotThrowAnyException();
        clock.now = clock.now.plusSeconds(61);
        assertThatThrownBy(() -> auth.authorize(token, pull)).isInstanceOfSatisfying(OciHttpException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(e.headerValue())
                    .isEqualTo(
                            "Bearer realm=\"https://auth.example/token\",service=\"svc\",scope=\"repository:a/b:pull\",error=\"invalid_token\"");
        });
    }

    @Test
    void baseEndpointChallengeHasNoScope() {
        TestTokenIssuer issuer = TestTokenIssuer.create(KeyKind.EC, "iss", "svc");
        TokenAuthenticator auth = TokenAuthenticator.create(
                new TokenAuthConfig(
                        "https://auth.example/token", "svc", "iss", issuer.writeRootBundle(dir.resolve("b.pem"))),
                Clock.systemUTC());
        assertThatThrownBy(() -> auth.authorize(null, null))
                .isInstanceOfSatisfying(
                        OciHttpException.class,
                        e -> assertThat(e.headerValue())
                                .isEqualTo("Bearer realm=\"https://auth.example/token\",service=\"svc\""));
        assertThatCode(() -> auth.authorize("Bearer " + issuer.token().sign(), null))
                .doesNotThrowAnyException();
    }
}
