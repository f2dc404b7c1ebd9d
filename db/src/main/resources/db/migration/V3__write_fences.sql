-- Read-your-writes fences of the router. A manifest PUT that succeeds through any router
-- instance records (repository, tag or NULL, digest) here before the client sees the 201; until
-- the replica serves that digest (under that tag), reads of the tag or digest are answered from
-- the primary. Shared through PostgreSQL so that every router instance honours every fence.
CREATE TABLE router_fences (
    id          bigserial   PRIMARY KEY,
    repository  text        NOT NULL,
    tag         text,
    digest      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- A fence never pins reads longer than this (the replica may never get the content, e.g.
    -- when selective sync excludes the repository).
    expires_at  timestamptz NOT NULL
);

-- The latest push of a tag replaces its fence.
CREATE UNIQUE INDEX router_fences_tag_uq ON router_fences (repository, tag) WHERE tag IS NOT NULL;
-- A push by digest (no tag) is fenced once.
CREATE UNIQUE INDEX router_fences_digest_uq ON router_fences (repository, digest) WHERE tag IS NULL;
CREATE INDEX router_fences_lookup_idx ON router_fences (repository, digest);
CREATE INDEX router_fences_expiry_idx ON router_fences (expires_at);
