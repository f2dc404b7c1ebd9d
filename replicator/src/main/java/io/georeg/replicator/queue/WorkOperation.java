package io.georeg.replicator.queue;

/**
 * What the latest request for a work item asks for. {@code DELETE} of a digest does not say
 * whether a manifest or a blob was deleted (distribution sends the same event for both); the
 * worker asks the primary.
 */
public enum WorkOperation {
    PUSH_MANIFEST("push_manifest"),
    PUSH_BLOB("push_blob"),
    DELETE("delete"),
    /** Compare the repository path's tags on the primary and the replica and queue what differs. */
    RECONCILE("reconcile");

    private final String column;

    WorkOperation(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }

    static WorkOperation fromColumn(String value) {
        for (WorkOperation o : values()) {
            if (o.column.equals(value)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown work operation " + value);
    }
}
