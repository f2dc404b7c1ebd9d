-- A tag removed from the replica leaves a tombstone too (its name in the digest column): a tag
-- sync that read the primary before a tag delete is refused when it stores the tag after the
-- delete was applied, and a router keeps a tag delete's fence until the replica holds that
-- tombstone, as it does for manifest and blob deletes (V13, V15).
ALTER TABLE replica_tombstones DROP CONSTRAINT replica_tombstones_kind_check;
ALTER TABLE replica_tombstones ADD CONSTRAINT replica_tombstones_kind_check
    CHECK (kind IN ('manifest', 'blob', 'tag'));

-- An expansion: code of the release before writes and reads only manifest and blob tombstones, and
-- clears a tag delete's fence as soon as the replica lacks the tag (the guarantee of that release).
