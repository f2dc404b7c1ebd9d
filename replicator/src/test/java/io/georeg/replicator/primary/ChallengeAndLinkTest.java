package io.georeg.replicator.primary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeAndLinkTest {

    @Test
    void distributionBearerChallengeIsParsedWithQuotedCommas() {
        Challenge c = Challenge.parse(
                        "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                                + "scope=\"repository:team/app:pull,push\"")
                .orElseThrow();
        assertThat(c.isBearer()).isTrue();
        assertThat(c.param("realm")).contains("https://auth.example.com/token");
        assertThat(c.param("service")).contains("registry.example.com");
        assertThat(c.param("scope")).contains("repository:team/app:pull,push");
    }

    @Test
    void basicChallengeAndGarbage() {
        assertThat(Challenge.parse("Basic realm=\"Registry Realm\"")
                        .orElseThrow()
                        .isBasic())
                .isTrue();
        assertThat(Challenge.parse("  ")).isEmpty();
        assertThat(Challenge.parse(null)).isEmpty();
    }

    @Test
    void linkHeaderNextTargetIsFound() {
        assertThat(LinkHeader.next(List.of("</v2/_catalog?last=b&n=2>; rel=\"next\"")))
                .contains("/v2/_catalog?last=b&n=2");
        assertThat(LinkHeader.next(List.of("<https://x/a>; rel=\"prev\", <https://x/b>; rel=next")))
                .contains("https://x/b");
        assertThat(LinkHeader.next(List.of("<https://x/a>; rel=\"prev\""))).isEmpty();
    }
}
