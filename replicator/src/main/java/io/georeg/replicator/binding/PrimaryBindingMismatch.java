package io.georeg.replicator.binding;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Why a replicator must not work on a tracking database: the database replicates other primaries
 * than the replicator is configured for. One text, said alike by the start-up refusal
 * ({@link PrimaryBindingException}), the ERROR line of a running process whose binding changed
 * under it, and the intake's 503 ({@link PrimaryBindingGuard}).
 *
 * @param database the tracking database as configured, without its password
 * @param differences each primary on which the database and the configuration disagree
 */
public record PrimaryBindingMismatch(String database, List<PrimaryBinding.Difference> differences) {
    public PrimaryBindingMismatch {
        differences = List.copyOf(differences);
    }

    /** What differs, why it matters, and the two ways to mend it. */
    public String explanation() {
        return "the tracking database " + database
                + " replicates other primaries than this replicator is configured for:\n"
                + differences.stream().map(d -> "  " + d.describe()).collect(Collectors.joining("\n"))
                + "\nTwo sites' replicators on one tracking database split its queue: each takes work the other's"
                + " primary notified, finds nothing at its own primary and drops it. Each site needs its own"
                + " tracking database (database.url). If this site's primary really moved (a new hostname, a cell"
                + " added or removed), run `georeg primaries --adopt` once with this configuration"
                + " (docs/operations.md#primary-binding).";
    }
}
