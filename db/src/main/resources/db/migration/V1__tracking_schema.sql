-- Tracking schema of the replica: what is stored (blobs, manifests) and where it is visible
-- (repositories, repository links, tags). The bytes of blobs live in blob storage; manifests keep
-- their raw bytes here too, so registry-read answers a manifest GET with one query.
--
-- Names and tags use COLLATE "C" so that ORDER BY and the keyset comparisons of pagination
-- (`name > last`) follow byte order, as distribution's tags list and catalog do, whatever the
-- database's default collation.
--
-- Never edit this file once landed: add a new V<n>__*.sql instead.

CREATE DOMAIN digest AS text
    CHECK (VALUE ~ '^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$');

CREATE TYPE verify_state AS ENUM ('unverified', 'ok', 'failed', 'missing');

CREATE TABLE repositories (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT repositories_name_key UNIQUE (name),   -- catalog keyset pagination, name lookups
    CONSTRAINT repositories_name_length CHECK (char_length(name) BETWEEN 1 AND 255)
);

-- A blob whose bytes are stored in blob storage (layers, configs, and manifests' own bytes).
-- Stored once, whatever number of repositories link it. The verify_* columns belong to the
-- replicator's periodic verifier.
CREATE TABLE blobs (
    digest          digest PRIMARY KEY,
    size            bigint NOT NULL CHECK (size >= 0),
    media_type      text,
    stored_at       timestamptz NOT NULL DEFAULT now(),
    verified_at     timestamptz,
    verify_state    verify_state NOT NULL DEFAULT 'unverified',
    verify_failures integer NOT NULL DEFAULT 0 CHECK (verify_failures >= 0),
    verify_error    text
);
-- The verifier picks the least recently verified blobs first (never verified ones before all).
CREATE INDEX blobs_verify_due_idx ON blobs (verified_at NULLS FIRST);

-- A blob belongs to a repository (distribution's _layers link): only linked blobs are served.
CREATE TABLE repository_blobs (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        digest NOT NULL REFERENCES blobs (digest),
    linked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, digest)
);
-- "Which repositories use this blob" (garbage collection, verifier reports).
CREATE INDEX repository_blobs_digest_idx ON repository_blobs (digest);

-- A manifest (image manifest or index) stored in one repository, with its raw bytes. A row
-- exists only once everything it references is stored in the repository (the write side checks
-- it in the same transaction), so every row is visible to readers.
CREATE TABLE manifests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id   bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest          digest NOT NULL,
    media_type      text NOT NULL,
    artifact_type   text,
    -- The referrers relation (OCI distribution spec, "Listing Referrers"): the subject need not
    -- be stored, so this is a plain column, not a foreign key.
    subject_digest  digest,
    annotations     jsonb,
    content         bytea NOT NULL,
    size            bigint NOT NULL CHECK (size >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    replicated_at   timestamptz NOT NULL DEFAULT now(),
    verified_at     timestamptz,
    verify_state    verify_state NOT NULL DEFAULT 'unverified',
    verify_failures integer NOT NULL DEFAULT 0 CHECK (verify_failures >= 0),
    verify_error    text,
    CONSTRAINT manifests_repository_digest_key UNIQUE (repository_id, digest),  -- manifest by digest
    CONSTRAINT manifests_size_matches CHECK (size = octet_length(content))
);
-- Referrers of a subject, optionally filtered by artifactType: one index range scan.
CREATE INDEX manifests_referrers_idx ON manifests (repository_id, subject_digest, artifact_type)
    WHERE subject_digest IS NOT NULL;
-- "Which repositories hold this manifest" (verifier, reconcile).
CREATE INDEX manifests_digest_idx ON manifests (digest);

-- manifest -> blob (config and layers). The foreign key to blobs keeps a referenced blob row
-- from being deleted by garbage collection.
CREATE TABLE manifest_blobs (
    manifest_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    digest      digest NOT NULL REFERENCES blobs (digest),
    PRIMARY KEY (manifest_id, digest)
);
-- "Which manifests reference this blob".
CREATE INDEX manifest_blobs_digest_idx ON manifest_blobs (digest);

-- index -> child manifest, in the index's repository. No foreign key: distribution lets a child
-- be deleted while an index still lists it, and deletes replicate as they happened.
CREATE TABLE manifest_children (
    manifest_id  bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    child_digest digest NOT NULL,
    PRIMARY KEY (manifest_id, child_digest)
);
-- "Which indexes reference this child".
CREATE INDEX manifest_children_child_idx ON manifest_children (child_digest);

-- A tag points at a manifest of the same repository; deleting the manifest deletes its tags.
CREATE TABLE tags (
    repository_id   bigint NOT NULL,
    name            text COLLATE "C" NOT NULL,
    manifest_digest digest NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, name),   -- tag lookup and tags list keyset pagination
    CONSTRAINT tags_name_format CHECK (name ~ '^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$'),
    CONSTRAINT tags_manifest_fkey FOREIGN KEY (repository_id, manifest_digest)
        REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
-- "Which tags point at this manifest" (manifest delete; the FK cascade uses it too).
CREATE INDEX tags_manifest_idx ON tags (repository_id, manifest_digest);
