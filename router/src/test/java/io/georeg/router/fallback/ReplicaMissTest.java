package io.georeg.router.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplicaMissTest {

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void unknownManifestBlobOrNameIsAMiss() {
        assertThat(ReplicaMiss.isMiss(404, body("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"x\"}]}")))
                .isTrue();
        assertThat(ReplicaMiss.isMiss(404, body("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}")))
                .isTrue();
        assertThat(ReplicaMiss.isMiss(
                        404, body("{\"errors\":[{\"code\":\"NAME_UNKNOWN\"},{\"code\":\"MANIFEST_UNKNOWN\"}]}")))
                .isTrue();
    }

    @Test
    void bodylessNotFoundOfAHeadIsAMiss() {
        assertThat(ReplicaMiss.isMiss(404, new byte[0])).isTrue();
    }

    @Test
    void otherAnswersAreTheReplicasToGive() {
        assertThat(ReplicaMiss.isMiss(401, body("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")))
                .isFalse();
        assertThat(ReplicaMiss.isMiss(404, body("{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\"}]}")))
                .isFalse();
        assertThat(ReplicaMiss.isMiss(404, body("{\"errors\":[]}"))).isFalse();
        assertThat(ReplicaMiss.isMiss(404, body("<html>not found</html>"))).isFalse();
        assertThat(ReplicaMiss.isMiss(200, new byte[0])).isFalse();
    }
}
