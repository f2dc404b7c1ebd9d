-- A future release's expansion, as the schema tests apply it: a nullable column older code ignores.
ALTER TABLE tags ADD COLUMN note text;
