package io.georeg.app.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.georeg.db.SchemaStatus;
import io.georeg.ops.BuildInfo;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@link SchemaGuard}'s periodic re-check, with the database's answers scripted. */
class SchemaGuardTest {
    private static final SchemaStatus UP_TO_DATE = new SchemaStatus(20, 20, 1, List.of());
    private static final SchemaStatus CONTRACTED = new SchemaStatus(22, 20, 21, List.of());

    /**
     * Tried: a re-check whose status query fails with something else than the database being
     * unreachable (a bug, a driver's unexpected exception). It was thrown out of the run, which ends
     * a scheduled executor's re-checks for good without a word: a contract migration applied later
     * was never seen and the process stayed ready. Now the run logs it and keeps the last answer,
     * and the next run sees what the database says.
     */
    @Test
    void aCheckThatFailsUnexpectedlyKeepsTheLastAnswerAndTheNextCheckGoesOn() {
        Deque<Supplier<SchemaStatus>> answers = new ArrayDeque<>(List.of(
                () -> UP_TO_DATE,
                () -> {
                    throw new IllegalStateException("a driver's unexpected failure");
                },
                () -> CONTRACTED));
        SchemaGuard guard =
                new SchemaGuard(() -> answers.removeFirst().get(), BuildInfo.current(), new PrometheusRegistry());
        guard.requireRunnable();

        assertThatCode(guard::recheck).doesNotThrowAnyException();
        assertThat(guard.compatible()).as("the last answer kept").isTrue();

        guard.recheck();
        assertThat(guard.compatible())
                .as("the next check sees the contract migration")
                .isFalse();
    }
}
