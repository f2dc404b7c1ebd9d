-- The pull path's lookups answered from the index alone (index-only scans): a repository's id by
-- its name, and a tag's manifest digest by (repository, tag). Every manifest GET by tag and blob
-- HEAD resolves the repository's name; a manifest GET by tag then reads its tag. Before, each of
-- these read its index's leaf and then a heap page of the table; over a tracking database far
-- larger than the CPU's caches (10^6 tags: tags 121 MB, tags_pkey 46 MB) those heap pages are
-- cold on almost every uniform-key request, and the tags heap was the largest relation the pull
-- path touched. With the id and the digest carried in the unique indexes (INCLUDE), a lookup reads
-- the leaf and the visibility map, whose page covers 32,768 heap pages and stays hot; a page
-- written since the last VACUUM (a tag pushed since) still costs its heap fetch, as before.
-- docs/benchmarks.md (Scale) has the measurement; docs/operations.md says why autovacuum matters.
--
-- The constraints keep their names and keys, so ON CONFLICT (name) and ON CONFLICT
-- (repository_id, name) of this and the previous release infer them as before: an expansion, the
-- previous release runs on it (schema_compatibility unchanged). Each new index is built with a
-- SHARE lock (writes to the table wait, reads go on: about 5 s for 10^6 tags on a 2-core machine)
-- and then takes over its constraint (ADD CONSTRAINT ... USING INDEX: a catalog change, under a
-- brief ACCESS EXCLUSIVE lock at commit), instead of rebuilding the constraint in place, which
-- would hold ACCESS EXCLUSIVE and stop reads for the whole build.
CREATE UNIQUE INDEX repositories_name_id_key ON repositories (name) INCLUDE (id);
ALTER TABLE repositories
    DROP CONSTRAINT repositories_name_key,
    ADD CONSTRAINT repositories_name_key UNIQUE USING INDEX repositories_name_id_key;

CREATE UNIQUE INDEX tags_key_digest ON tags (repository_id, name) INCLUDE (manifest_digest);
ALTER TABLE tags
    DROP CONSTRAINT tags_pkey,
    ADD CONSTRAINT tags_pkey PRIMARY KEY USING INDEX tags_key_digest;
