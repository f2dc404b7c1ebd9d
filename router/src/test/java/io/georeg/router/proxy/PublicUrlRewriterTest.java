package io.georeg.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class PublicUrlRewriterTest {
    private final PublicUrlRewriter rewriter = new PublicUrlRewriter(
            URI.create("https://registry.example.com"),
            URI.create("http://primary.internal:5000"),
            URI.create("https://gitlab.internal/jwt/auth"),
            "/jwt/auth");

    @Test
    void absoluteLocationOnThePrimaryBecomesThePublicUrl() {
        assertThat(rewriter.location("http://primary.internal:5000/v2/a/b/blobs/uploads/1234?_state=x%2By"))
                .isEqualTo("https://registry.example.com/v2/a/b/blobs/uploads/1234?_state=x%2By");
        assertThat(rewriter.location("HTTP://PRIMARY.internal:5000/v2/a/blobs/sha256:00"))
                .isEqualTo("https://registry.example.com/v2/a/blobs/sha256:00");
    }

    @Test
    void relativeAndForeignLocationsPassUnchanged() {
        assertThat(rewriter.location("/v2/a/blobs/uploads/1")).isEqualTo("/v2/a/blobs/uploads/1");
        String presigned =
                "https://bucket.s3.example.net/docker/registry/v2/blobs/sha256/ab/abc/data?X-Amz-Signature=1";
        assertThat(rewriter.location(presigned)).isEqualTo(presigned);
        assertThat(rewriter.location("http://primary.internal:5001/v2/")).isEqualTo("http://primary.internal:5001/v2/");
        assertThat(rewriter.location("not a uri at all")).isEqualTo("not a uri at all");
    }

    @Test
    void bearerRealmOfThePrimaryTokenEndpointBecomesThePublicAuthPath() {
        String challenge =
                "Bearer realm=\"https://gitlab.internal/jwt/auth\",service=\"container_registry\",scope=\"repository:a/b:pull,push\"";
        assertThat(rewriter.wwwAuthenticate(challenge))
                .isEqualTo(
                        "Bearer realm=\"https://registry.example.com/jwt/auth\",service=\"container_registry\",scope=\"repository:a/b:pull,push\"");
    }

    @Test
    void foreignRealmAndBasicChallengesPassUnchanged() {
        String foreign = "Bearer realm=\"https://auth.elsewhere/token\",service=\"x\"";
        assertThat(rewriter.wwwAuthenticate(foreign)).isEqualTo(foreign);
        assertThat(rewriter.wwwAuthenticate("Basic realm=\"Registry Realm\""))
                .isEqualTo("Basic realm=\"Registry Realm\"");
    }

    @Test
    void withoutTokenAuthNothingIsRewritten() {
        PublicUrlRewriter noAuth = new PublicUrlRewriter(
                URI.create("https://r.example.com"), URI.create("http://p:5000"), null, "/jwt/auth");
        String challenge = "Bearer realm=\"http://p:5000/jwt/auth\"";
        assertThat(noAuth.wwwAuthenticate(challenge)).isEqualTo(challenge);
    }
}
