package io.georeg.replicator.queue;

/**
 * What a work item's {@code ref} names: a tag of the repository, a digest in it, or the repository
 * path itself ({@code ref} {@link #SELF} or {@link #TREE}, reconciled from the primary).
 */
public enum WorkKind {
    TAG("tag"),
    DIGEST("digest"),
    REPOSITORY("repository");

    /** The {@code ref} of a {@link #REPOSITORY} row for the repository alone. */
    public static final String SELF = "self";
    /** The {@code ref} of a {@link #REPOSITORY} row for the repository and every one below it. */
    public static final String TREE = "tree";

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
