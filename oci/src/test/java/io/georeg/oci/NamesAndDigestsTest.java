package io.georeg.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesAndDigestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"library/alpine", "a", "team-a/app_1", "x/y.z/w__v", "a--b"})
    void validRepositoryNamesAreAccepted(String name) {
        assertThat(RepositoryName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest(name = "repository name [{0}] is NAME_INVALID")
    @ValueSource(
            strings = {
                "",
                "Library/alpine",
                "../etc",
                "a/../b",
                "a//b",
                "a/",
                "/a",
                "a%2Fb",
                "a/./b",
                "a..b",
                "-a",
                "a_",
                "a b",
                "a\\b"
            })
    void invalidRepositoryNamesAreRejected(String name) {
        assertThatThrownBy(() -> RepositoryName.of(name))
                .isInstanceOfSatisfying(
                        OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID));
    }

    @org.junit.jupiter.api.Test
    void overlongRepositoryNameIsRejected() {
        assertThatThrownBy(() -> RepositoryName.of("a".repeat(256))).isInstanceOf(OciException.class);
    }

    @ParameterizedTest(name = "digest [{0}] is {1}")
    @CsvSource({
        "sha256:abc, DIGEST_INVALID",
        "sha256:ZZ3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85, DIGEST_INVALID",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, DIGEST_INVALID",
        "sha256, DIGEST_INVALID",
        "sha256:../../etc/passwd, DIGEST_INVALID",
        "md5:d41d8cd98f00b204e9800998ecf8427e, DIGEST_INVALID",
        "sha384:aaaa, DIGEST_INVALID",
    })
    void badDigestsAreRejectedWithTheirCode(String text, ErrorCode expected) {
        assertThatThrownBy(() -> Digest.parse(text))
                .isInstanceOfSatisfying(
                        OciException.class, e -> assertThat(e.code()).isEqualTo(expected));
    }

    @org.junit.jupiter.api.Test
    void digestOfEmptyContentIsTheWellKnownOne() {
        assertThat(Digest.sha256(new byte[0]).toString())
                .isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Digest.parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
                .isEqualTo(Digest.sha256(new byte[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "v1.2.3", "_x", "A-b_c.d"})
    void validTagsParseAsTagReferences(String tag) {
        assertThat(Reference.parse(tag)).isEqualTo(new Reference.ByTag(Tag.of(tag)));
    }

    @ParameterizedTest
    @ValueSource(strings = {".hidden", "-x", "a/b", "..", ""})
    void invalidTagsAreRejected(String tag) {
        assertThatThrownBy(() -> Tag.of(tag)).isInstanceOf(OciException.class);
    }
}
