package io.georeg.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one ambiguity rule; the route table's and OciPath's tests check that both apply it. */
class PathGrammarTest {

    @Test
    void cleanPathsHaveNoAmbiguity() {
        assertThat(PathGrammar.ambiguity("/v2/library/alpine/manifests/latest")).isNull();
        assertThat(PathGrammar.ambiguity("/v2/")).isNull();
        assertThat(PathGrammar.ambiguity("/v2/a..b/tags/list")).isNull();
        assertThat(PathGrammar.ambiguity("/v2/a/blobs/uploads/")).isNull();
        assertThat(PathGrammar.ambiguity("/v2/a/manifests/sha256%3Aabc")).isNull();
        assertThat(PathGrammar.ambiguity("/")).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "v2/",
                "/v2//a",
                "/v2/./a",
                "/v2/a/..",
                "/v2/a\\b",
                "/v2/a%2fb",
                "/v2/a%2Eb",
                "/v2/a%5cb",
                "/v2/a%25b",
                "/v2/a%00",
                "/v2/a%2",
                "/v2/a%"
            })
    void ambiguousPathsSayWhy(String raw) {
        assertThat(PathGrammar.ambiguity(raw)).isNotBlank();
    }
}
