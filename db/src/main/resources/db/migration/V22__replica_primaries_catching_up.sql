-- Whether the replica holds what each bound primary has. NULL: it does, as far as replication
-- goes (the binding made by a replicator's first start, whose replica was copied from that
-- primary). A time: `georeg primaries --adopt` bound the name to another URL then (a promotion,
-- a primary that moved), and the tracking database still describes the primary before; the
-- routers answer that primary's pulls from the primary itself until a replicator of the new
-- binding has finished a full reconcile pass of it without errors that started after the adopt,
-- and applied the work queued before that pass ended, and clears the column (PrimaryBindingGuard).
ALTER TABLE replica_primaries ADD COLUMN catching_up_since timestamptz;

-- Which primary a reconcile pass crawled (its replica_primaries name), so that with several
-- primaries the pass of one does not count as the catching up of another. NULL for the passes of
-- releases before.
ALTER TABLE reconcile_runs ADD COLUMN primary_name text;

-- An expansion: nullable columns the release before neither reads nor writes (its adopt leaves
-- catching_up_since NULL, as if caught up).
