package io.georeg.replicator.queue;

/** What a work item's {@code ref} names: a tag of the repository, or a digest in it. */
public enum WorkKind {
    TAG("tag"),
    DIGEST("digest");

    private final String column;

    WorkKind(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }

    static WorkKind fromColumn(String value) {
        for (WorkKind k : values()) {
            if (k.column.equals(value)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown work kind " + value);
    }
}
