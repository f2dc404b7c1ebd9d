-- Tombstones of the deletes the replicator applied, so that a copy which read the primary before
-- a delete cannot store the deleted content again after the delete was applied here. A tag sync
-- reads the primary's tag (GET), then copies what it got; a manifest or blob delete on the
-- primary can land in between and be applied to the replica first. Every delete the replica
-- applies records (repository, kind, digest) with a new generation from the sequence, under a
-- transaction-scoped advisory lock on the same key that a guarded store takes too; the store
-- refuses content whose tombstone is newer than the generation it read before its GET. Rows older
-- than an hour are pruned by the deletes themselves (for a copy that read the primary longer ago,
-- the tag sync's confirming HEAD remains: it removes what the primary no longer has).
CREATE SEQUENCE replica_delete_generation;

CREATE TABLE replica_tombstones (
    repository text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('manifest', 'blob')),
    digest     text        NOT NULL,
    generation bigint      NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, kind, digest)
);

CREATE INDEX replica_tombstones_age_idx ON replica_tombstones (deleted_at);

-- An expansion: a replicator of the release before neither records nor checks tombstones (its
-- copies keep the race this closes); nothing older code reads changes.
