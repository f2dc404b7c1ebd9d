package io.georeg.failover.report;

import java.time.Instant;
import java.util.List;

/**
 * One step of a drill or a promotion as it ran: what it did, when it started, how long it took,
 * and whether it passed (every check it made passed and it threw nothing). Kept in the
 * {@link Report} in order and told to a {@link StepListener} as it ends.
 *
 * @param name short, stable name for scripts, e.g. {@code switch}, {@code drain}
 * @param description what the step does, for the operator watching
 * @param startedAt when it started
 * @param millis how long it took
 * @param passed true when none of its checks failed and it did not throw
 * @param warnings what the operator must know though nothing failed, e.g. a router switch that was
 *     applied but not stored in the shared admin state
 */
public record Step(
        String name, String description, Instant startedAt, long millis, boolean passed, List<String> warnings) {
    public Step {
        warnings = List.copyOf(warnings);
    }

    public Step(String name, String description, Instant startedAt, long millis, boolean passed) {
        this(name, description, startedAt, millis, passed, List.of());
    }
}
