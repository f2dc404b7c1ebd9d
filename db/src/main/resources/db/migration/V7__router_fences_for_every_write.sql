-- Read-your-writes fences for every kind of write through the router, not only manifest pushes.
-- A row now says what one write left at one target of a repository:
--   kind 'tag'      target = the tag;            digest = the manifest now under it, NULL when deleted
--   kind 'manifest' target = the digest;         present = pushed (true) or deleted (false)
--   kind 'blob'     target = the digest;         present = false (a deleted blob)
--   kind 'referrer' target = the subject digest; digest = the referrer; descriptor = the OCI
--                   descriptor the referrers API lists for it (JSON); present = pushed or deleted
-- The latest write to a target replaces its row (a referrer per subject and digest). Until the
-- replica shows the same state, the router answers the reads the row concerns from the primary
-- (or, for referrers, corrects the replica's list with it).
ALTER TABLE router_fences
    ADD COLUMN kind       text,
    ADD COLUMN target     text,
    ADD COLUMN present    boolean NOT NULL DEFAULT true,
    ADD COLUMN descriptor text;

UPDATE router_fences SET kind = CASE WHEN tag IS NULL THEN 'manifest' ELSE 'tag' END, target = coalesce(tag, digest);

ALTER TABLE router_fences
    ALTER COLUMN kind SET NOT NULL,
    ALTER COLUMN target SET NOT NULL,
    ALTER COLUMN digest DROP NOT NULL,
    ADD CONSTRAINT router_fences_kind_check CHECK (kind IN ('tag', 'manifest', 'blob', 'referrer'));

DROP INDEX router_fences_tag_uq;
DROP INDEX router_fences_digest_uq;
ALTER TABLE router_fences DROP COLUMN tag;

CREATE UNIQUE INDEX router_fences_target_uq ON router_fences (repository, kind, target) WHERE kind <> 'referrer';
CREATE UNIQUE INDEX router_fences_referrer_uq ON router_fences (repository, target, digest) WHERE kind = 'referrer';
