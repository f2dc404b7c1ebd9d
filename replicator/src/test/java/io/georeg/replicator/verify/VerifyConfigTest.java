package io.georeg.replicator.verify;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerifyConfigTest {
    @Test
    void defaultsAreValid() {
        VerifyConfig.defaults().validate();
    }

    @Test
    void everyBadKeyIsNamedAtOnce() {
        VerifyConfig bad = new VerifyConfig(true, Duration.ofMillis(10), 0, 0, -1, Duration.ofSeconds(5));
        assertThatThrownBy(bad::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replicator.verify.interval")
                .hasMessageContaining("replicator.verify.batchSize")
                .hasMessageContaining("replicator.verify.bytesPerSecond")
                .hasMessageContaining("replicator.verify.objectsPerSecond")
                .hasMessageContaining("replicator.verify.reverifyAfter");
    }
}
