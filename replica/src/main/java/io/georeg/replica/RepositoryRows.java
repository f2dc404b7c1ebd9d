package io.georeg.replica;

/**
 * Finds or creates a repository row as part of the statement that needs its id, so that the
 * write side spends no round trip of its own on it. Used by {@link DatabaseReplicaWriter}.
 *
 * <p>No id is cached in the process: repository rows can be removed (tests truncate them, an
 * operator may), and a stale id would fail the caller's insert; the lookup is an index probe in a
 * statement that runs anyway.
 */
final class RepositoryRows {
    /**
     * CTEs ending in {@code repo(id)}: the repository named by the first two parameters (the
     * name, twice), created when absent. {@code repo} is empty only when a concurrent transaction
     * created the row after this statement's snapshot was taken (our insert waited and did
     * nothing); rerunning the statement, with a new snapshot under READ COMMITTED, sees it.
     */
    static final String ENSURE_CTES = """
            existing AS (SELECT id FROM repositories WHERE name = ?),
            created AS (
                INSERT INTO repositories (name) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM existing)
                ON CONFLICT (name) DO NOTHING
                RETURNING id),
            repo AS (SELECT id FROM existing UNION ALL SELECT id FROM created)""";

    /** How often a statement with {@link #ENSURE_CTES} is run before the race above is a bug. */
    static final int ATTEMPTS = 3;

    private RepositoryRows() {}
}
