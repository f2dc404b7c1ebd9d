package io.georeg.read.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void entryIsUsableUntilTheTokenExpires() {
        TokenCache cache = new TokenCache(10, Duration.ofMinutes(5));
        cache.put("t", new VerifiedToken("u", now.plusSeconds(30), Set.of()), now);
        assertThat(cache.get("t", now.plusSeconds(29))).isNotNull();
        assertThat(cache.get("t", now.plusSeconds(30))).isNull();
    }

    @Test
    void entryIsUsableAtMostMaxAge() {
        TokenCache cache = new TokenCache(10, Duration.ofSeconds(10));
        cache.put("t", new VerifiedToken("u", now.plusSeconds(3600), Set.of()), now);
        assertThat(cache.get("t", now.plusSeconds(11))).isNull();
    }

    @Test
    void sizeStaysBounded() {
        TokenCache cache = new TokenCache(3, Duration.ofMinutes(5));
        for (int i = 0; i < 10; i++) {
            cache.put("t" + i, new VerifiedToken("u", now.plusSeconds(60), Set.of()), now);
        }
        assertThat(cache.size()).isLessThanOrEqualTo(3);
    }
}
