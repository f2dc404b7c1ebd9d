package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectKeyTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "..",
                ".",
                "../etc/passwd",
                "a/../b",
                "a/./b",
                "a/..",
                "/a",
                "a/",
                "a//b",
                "",
                "a\\b",
                "a/..\\b",
                "%2e%2e/a",
                "a%2Fb",
                ".hidden",
                "a/.georeg-tmp/x",
                "a b",
                "a/\u0000",
                "ä"
            })
    void rejectsTraversalAndAnythingOutsideTheGrammar(String key) {
        assertThatThrownBy(() -> ObjectKey.of(key)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/registry/v2/blobs/sha256/ab/abcd/data", "a", "a.b/c_d/e-f", "_layers/x", "v1..2"})
    void acceptsRelativeKeys(String key) {
        assertThat(ObjectKey.of(key).value()).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "a/b", ""})
    void childRejectsTraversalToo(String component) {
        assertThatThrownBy(() -> ObjectKey.of("a").child(component)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1025, 5000})
    void rejectsOverlongKeys(int length) {
        assertThatThrownBy(() -> ObjectKey.of("a".repeat(length))).isInstanceOf(IllegalArgumentException.class);
    }
}
