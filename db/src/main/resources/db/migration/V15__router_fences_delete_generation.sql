-- A delete's read-your-writes fence stands until the replica has applied that delete, not merely
-- until the replica lacks the content: a replica lacks a manifest whose copy has not been stored
-- yet, and a copy that read the primary before the delete can still store it (the replicator
-- removes it again only when it gets to the delete). So a router reads the replica's delete
-- generation (V13) before it passes a manifest or blob delete to the primary and records it with
-- the fence; the fence is cleared only once the replica shows the content gone and holds a
-- tombstone of it with a newer generation — after which the tombstone refuses every such copy —
-- or, the tombstone being pruned after its hour, once the fence is older than that.
ALTER TABLE router_fences ADD COLUMN replica_delete_generation bigint;

-- An expansion: a router of the release before leaves it NULL (read as 0: any tombstone of the
-- key within its hour) and clears delete fences as soon as the replica lacks the content
-- (the guarantee of the release before); nothing older code reads changes.
