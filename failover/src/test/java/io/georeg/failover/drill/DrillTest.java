package io.georeg.failover.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DrillTest {
    @Test
    void percentilesAreNearestRankOverSortedPullTimes() {
        List<Long> millis = List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);

        assertThat(Drill.percentile(millis, 50)).isEqualTo(50);
        assertThat(Drill.percentile(millis, 99)).isEqualTo(100);
        assertThat(Drill.percentile(List.of(7L), 99)).isEqualTo(7);
    }
}
