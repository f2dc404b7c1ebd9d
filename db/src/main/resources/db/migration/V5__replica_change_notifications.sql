-- Change notifications for readers that cache the replica's mutable facts (registry-read's
-- CachingReplicaReader): every change that can make a cached answer wrong sends
-- pg_notify('georeg_replica_changes', <key>) in the changing transaction, so it is delivered
-- exactly when the change commits (and never when it rolls back). Triggers rather than calls in
-- each writer: the replica's writer, the verifier, cascades and an operator's SQL are all covered.
--
-- Keys: 'repository:<name>' (a tag, manifest or blob link of that repository changed),
-- 'blob:<digest>' (a blob stopped or started being servable: verify_state moved in or out of
-- unverified/ok, or its row went away), '*' (anything may have changed: a repository was removed
-- or renamed). Content-addressed facts (manifest bytes, blob sizes) never change and send nothing.
-- Inserts of manifests and blob links send nothing: readers cache only what exists, never misses.

CREATE FUNCTION georeg_notify_repository_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    repository_name text;
BEGIN
    SELECT name INTO repository_name FROM repositories
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.repository_id ELSE NEW.repository_id END;
    -- A cascade from a deleted repository finds no name any more: say "anything".
    PERFORM pg_notify('georeg_replica_changes', COALESCE('repository:' || repository_name, '*'));
    RETURN NULL;
END;
$$;

CREATE FUNCTION georeg_notify_blob_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('georeg_replica_changes', 'blob:' || OLD.digest);
    RETURN NULL;
END;
$$;

CREATE FUNCTION georeg_notify_any_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('georeg_replica_changes', '*');
    RETURN NULL;
END;
$$;

CREATE TRIGGER tags_notify_change
    AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_repository_change();

CREATE TRIGGER manifests_notify_delete
    AFTER DELETE ON manifests
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_repository_change();

CREATE TRIGGER repository_blobs_notify_delete
    AFTER DELETE ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_repository_change();

-- Only servability changes: the verifier's claim stamps (verified_at) and unverified -> ok send nothing.
CREATE TRIGGER blobs_notify_servability_change
    AFTER UPDATE OF verify_state ON blobs
    FOR EACH ROW
    WHEN ((OLD.verify_state IN ('unverified', 'ok')) IS DISTINCT FROM (NEW.verify_state IN ('unverified', 'ok')))
    EXECUTE FUNCTION georeg_notify_blob_change();

CREATE TRIGGER blobs_notify_delete
    AFTER DELETE ON blobs
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_blob_change();

CREATE TRIGGER repositories_notify_change
    AFTER UPDATE OF name OR DELETE ON repositories
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_any_change();
