-- A future release's contraction, as the schema tests apply it: older code inserts tags without a
-- note, so only releases of schema 90 or newer may run from here on.
UPDATE tags SET note = '' WHERE note IS NULL;
ALTER TABLE tags ALTER COLUMN note SET NOT NULL;
UPDATE schema_compatibility SET oldest_code_schema = 90;
