-- replication_work learns a third kind of row: a repository path to reconcile from the primary.
--   kind = 'repository' ref = 'self' (the repository alone: it was deleted on the primary)
--                           | 'tree' (it and every repository below it: a rename on the primary moved them)
--   operation = 'reconcile' (no digest): the worker lists the primary's and the replica's tags there
--   and queues a tag row for each that differs, so the primary's answer decides every tag.
-- GitLab's registry notifies repository renames and deletes with no tag or digest to go by.
ALTER TABLE replication_work DROP CONSTRAINT replication_work_kind_check;
ALTER TABLE replication_work ADD CONSTRAINT replication_work_kind_check
    CHECK (kind IN ('tag', 'digest', 'repository'));
ALTER TABLE replication_work DROP CONSTRAINT replication_work_operation_check;
ALTER TABLE replication_work ADD CONSTRAINT replication_work_operation_check
    CHECK (operation IN ('push_manifest', 'push_blob', 'delete', 'reconcile'));
-- Expand (docs/upgrades.md): a widened check. Only this release's intake writes such rows (for
-- GitLab's rename and repository-delete events); a replicator of the release before cannot read one
-- and its claim fails and is retried while one is due, which this release's replicators work off
-- within a poll interval, so schema_compatibility stays as it is.
