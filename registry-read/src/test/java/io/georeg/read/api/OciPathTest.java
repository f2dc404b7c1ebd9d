package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OciPathTest {
    private static final String D = "sha256:" + "a".repeat(64);

    static Stream<Arguments> validPaths() {
        return Stream.of(
                Arguments.of("/v2/", "Base[]"),
                Arguments.of("/v2", "Base[]"),
                Arguments.of("/v2/_catalog", "Catalog[]"),
                Arguments.of("/v2/alpine/manifests/latest", "Manifest[name=alpine, reference=latest]"),
                Arguments.of("/v2/library/alpine/manifests/3.19", "Manifest[name=library/alpine, reference=3.19]"),
                Arguments.of("/v2/a/b/c/manifests/" + D, "Manifest[name=a/b/c, reference=" + D + "]"),
                Arguments.of("/v2/a/b/manifests/sha256%3A" + "a".repeat(64), "Manifest[name=a/b, reference=" + D + "]"),
                // a name component may be called "manifests" or "blobs": parsing is from the right
                Arguments.of("/v2/foo/manifests/manifests/latest", "Manifest[name=foo/manifests, reference=latest]"),
                Arguments.of("/v2/blobs/blobs/" + D, "Blob[name=blobs, digest=" + D + "]"),
                Arguments.of("/v2/a/b/blobs/" + D, "Blob[name=a/b, digest=" + D + "]"),
                Arguments.of("/v2/a/b/tags/list", "TagsList[name=a/b]"),
                Arguments.of("/v2/tags/tags/list", "TagsList[name=tags]"),
                Arguments.of("/v2/a/b/referrers/" + D, "Referrers[name=a/b, subject=" + D + "]"),
                Arguments.of("/v2/a/b/blobs/uploads/", "Upload[name=a/b]"),
                Arguments.of("/v2/a/b/blobs/uploads/5f7c-uuid", "Upload[name=a/b]"),
                Arguments.of("/v2/a/b", "Unknown[rawPath=/v2/a/b]"),
                Arguments.of("/v2/a/b/whatever/x", "Unknown[rawPath=/v2/a/b/whatever/x]"),
                Arguments.of("/other", "Unknown[rawPath=/other]"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("validPaths")
    void classifiesEndpointsFromTheRight(String raw, String expected) {
        assertThat(OciPath.parse(raw).toString()).isEqualTo(expected);
    }

    static Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("dot-dot segment", "/v2/a/../b/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of(
                        "dot-dot climbing out of /v2", "/v2/../../etc/passwd/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("single dot segment", "/v2/a/./b/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("encoded slash lower", "/v2/a%2fb/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("encoded slash upper", "/v2/a%2Fb/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("encoded dot-dot", "/v2/a/%2e%2e/b/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("encoded dot-dot upper", "/v2/a/%2E%2E/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("double encoding", "/v2/a%252fb/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("double encoding in a reference", "/v2/a/manifests/v1%2541", ErrorCode.NAME_INVALID),
                Arguments.of("truncated encoding", "/v2/a/manifests/latest%2", ErrorCode.NAME_INVALID),
                Arguments.of("over-long path", "/v2/" + "a/".repeat(3000) + "tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("encoded backslash", "/v2/a%5cb/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("backslash", "/v2/a\\b/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("encoded NUL", "/v2/a%00/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("empty segment", "/v2/a//b/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("upper-case name", "/v2/Alpine/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("other percent-encoding in name", "/v2/a%41/manifests/latest", ErrorCode.NAME_INVALID),
                Arguments.of("name too long", "/v2/" + "a".repeat(256) + "/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("name with trailing separator", "/v2/a-/tags/list", ErrorCode.NAME_INVALID),
                Arguments.of("invalid tag", "/v2/a/manifests/-bad", ErrorCode.TAG_INVALID),
                Arguments.of("short digest", "/v2/a/blobs/sha256:abc", ErrorCode.DIGEST_INVALID),
                Arguments.of("upper-case hex digest", "/v2/a/blobs/sha256:" + "A".repeat(64), ErrorCode.DIGEST_INVALID),
                Arguments.of("digest without algorithm grammar", "/v2/a/referrers/:abc", ErrorCode.DIGEST_INVALID),
                Arguments.of("unknown algorithm", "/v2/a/blobs/md5:" + "a".repeat(32), ErrorCode.DIGEST_INVALID));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @MethodSource("badPaths")
    void refusesBadPathsWithTheOciCode(String what, String raw, ErrorCode expected) {
        assertThatThrownBy(() -> OciPath.parse(raw))
                .as(what)
                .isInstanceOf(OciException.class)
                .extracting(e -> ((OciException) e).code())
                .isEqualTo(expected);
    }
}
