package io.georeg.router;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What the router is told about the secondary's own backends, so that a fault of the secondary
 * never fails a request the healthy primary can answer: while the tracking database is
 * unavailable reads go to the primary without asking the replica or the fence table, and a write's
 * read-your-writes fences are not waited for; a read the replica has not started to answer within
 * {@code replicaBudget} is answered from the primary. The app's wiring passes its backend watch's
 * outcome and the {@code health.budget} key.
 *
 * @param databaseAvailable whether the tracking database answered its last probe in time
 * @param replicaBudget     how long a read waits for the replica's first answer while the primary
 *                          is up; null waits as long as the replica takes
 */
public record LocalBackends(BooleanSupplier databaseAvailable, Duration replicaBudget) {
    public LocalBackends {
        Objects.requireNonNull(databaseAvailable, "databaseAvailable");
        if (replicaBudget != null && (replicaBudget.isZero() || replicaBudget.isNegative())) {
            throw new IllegalArgumentException("the replica budget must be positive, got " + replicaBudget);
        }
    }

    /** Nothing watched: the database counts as available and the replica takes as long as it takes. */
    public static LocalBackends unwatched() {
        return new LocalBackends(() -> true, null);
    }

    boolean databaseUp() {
        return databaseAvailable.getAsBoolean();
    }
}
