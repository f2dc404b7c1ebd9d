package io.georeg.failover.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.status.StatusReport;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrillTest {
    @Test
    void percentilesAreNearestRankOverSortedPullTimes() {
        List<Long> millis = List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);

        assertThat(Drill.percentile(millis, 50)).isEqualTo(50);
        assertThat(Drill.percentile(millis, 99)).isEqualTo(100);
        assertThat(Drill.percentile(List.of(7L), 99)).isEqualTo(7);
    }

    @Test
    void theLagFactIsInHundredthsOfASecondNotTheQuerysDoubles() {
        // Tried: a drill on the demo printed "lag p50/p99 (s, last 15 min): 0.39966551000000006 / ...".
        assertThat(Drill.lagFact(new StatusReport.Lag(12, Optional.of(0.39966551000000006), Optional.of(12.345))))
                .isEqualTo("0.40 / 12.35");
        assertThat(Drill.lagFact(new StatusReport.Lag(0, Optional.empty(), Optional.empty())))
                .isEqualTo("- / -");
    }
}
