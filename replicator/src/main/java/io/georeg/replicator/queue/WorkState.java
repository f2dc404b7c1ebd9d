package io.georeg.replicator.queue;

import java.util.Locale;

/** The state column of {@code replication_work}. */
public enum WorkState {
    PENDING,
    IN_PROGRESS,
    DONE,
    FAILED;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    static WorkState fromColumn(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
