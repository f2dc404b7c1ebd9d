package io.georeg.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    @Test
    void durationsReadLikeAPersonWouldSayThem() {
        assertThat(StatusTable.duration(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(StatusTable.duration(Duration.ofSeconds(600))).isEqualTo("10m");
        assertThat(StatusTable.duration(Duration.ofSeconds(605))).isEqualTo("10m 5s");
        assertThat(StatusTable.duration(Duration.ofMinutes(125))).isEqualTo("2h 5m");
        assertThat(StatusTable.duration(Duration.ofHours(50))).isEqualTo("2d 2h");
        assertThat(StatusTable.duration(Duration.ofSeconds(-3)))
                .as("clock skew")
                .isEqualTo("0s");
    }

    @Test
    void bytesUseBinaryUnits() {
        assertThat(StatusTable.bytes(512)).isEqualTo("512 B");
        assertThat(StatusTable.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(StatusTable.bytes(100L * 1024 * 1024)).isEqualTo("100.0 MiB");
    }
}
