-- A guarded store's tombstone check as a statement that fails: sent after the key's lock in one
-- round trip with the store itself (lock; this; the store), it aborts the implicit transaction
-- that the three run in, so a store of content deleted after the copy read the primary leaves
-- nothing behind, and one that is not refused commits with no BEGIN and no COMMIT of its own.
-- Run as a statement of its own after the lock, it reads the tombstones with a snapshot taken once
-- the lock is held (read committed), so it sees a delete that held the lock before (V13).
CREATE FUNCTION replica_refuse_deleted(p_repository text, p_kind text, p_key text, p_after bigint)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM replica_tombstones
                WHERE repository = p_repository AND kind = p_kind AND digest = p_key AND generation > p_after) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'GRDEL',
            MESSAGE = format('%s %s@%s was deleted from the replica after delete generation %s',
                             p_kind, p_repository, p_key, p_after);
    END IF;
END
$$;

-- An expansion: code of the release before checks tombstones with its own query and never calls it.
