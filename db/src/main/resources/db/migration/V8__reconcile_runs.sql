-- One row per finished reconcile pass (georeg reconcile, georeg preheat, the scheduled pass), so
-- that georeg status and the status page can say when the replica was last compared with the
-- primary and what that pass found, even when it queued nothing. The replicator keeps the newest
-- rows only (see ReconcileRuns).
CREATE TABLE reconcile_runs (
    id           bigserial   PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    -- true for a pass over the primary's whole catalog, false for named repositories only
    full_pass    boolean     NOT NULL,
    repositories integer     NOT NULL CHECK (repositories >= 0),
    tags_checked integer     NOT NULL CHECK (tags_checked >= 0),
    queued       integer     NOT NULL CHECK (queued >= 0),
    errors       integer     NOT NULL CHECK (errors >= 0)
);

CREATE INDEX reconcile_runs_finished_at ON reconcile_runs (finished_at DESC);
