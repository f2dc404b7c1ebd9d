-- Which primaries this tracking database replicates: one row per primary name the replicator
-- copies from ('primary' for a single-primary configuration, primaries[].name under cells), with
-- its registry URL normalized (lower-case scheme and host, explicit port, no trailing slash).
-- Two replicators of different primaries on one database would split one queue between them:
-- each would claim work the other's primary notified, ask its own primary, find nothing and mark
-- the work done with nothing stored. The first replicator to start binds the database to its
-- primaries; one configured otherwise is refused until `georeg primaries --adopt` rebinds it, and
-- every claim of work compares the binding with the claiming process's own.
CREATE TABLE replica_primaries (
    name     text PRIMARY KEY,
    url      text NOT NULL,
    bound_at timestamptz NOT NULL DEFAULT now(),
    -- host/pid of the process that bound it, and what it was running (serve, primaries --adopt)
    bound_by text NOT NULL
);

-- An expansion: a replicator of the release before neither reads nor writes it (and is not
-- guarded by it); the first replicator of this release to start binds the database.
