package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyPrefixTest {

    @Test
    void mapsKeysBelowThePrefixAndBack() {
        KeyPrefix prefix = KeyPrefix.of("site-b/blobs");
        ObjectKey key = ObjectKey.of("docker/registry/v2/x");

        assertThat(prefix.remote(key)).isEqualTo("site-b/blobs/docker/registry/v2/x");
        assertThat(prefix.remoteBelow(ObjectKey.of("docker"))).isEqualTo("site-b/blobs/docker/");
        assertThat(prefix.key("site-b/blobs/docker/registry/v2/x")).contains(key);
        assertThat(prefix.key("site-c/docker/x")).isEmpty();
        assertThat(prefix.key("site-b/blobs/../x"))
                .as("names georeg never writes are not keys")
                .isEmpty();
    }

    @Test
    void blankPrefixIsTheBucketRoot() {
        assertThat(KeyPrefix.of(null).remote(ObjectKey.of("a/b"))).isEqualTo("a/b");
        assertThat(KeyPrefix.of(" ").key("a/b")).contains(ObjectKey.of("a/b"));
    }

    @Test
    void prefixCannotTraverse() {
        assertThatThrownBy(() -> KeyPrefix.of("../other")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyPrefix.of("a/")).isInstanceOf(IllegalArgumentException.class);
    }
}
