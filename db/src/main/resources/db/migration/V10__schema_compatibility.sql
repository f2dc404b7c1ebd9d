-- Expand/contract (docs/upgrades.md): which releases of georeg may run on this schema. A release
-- knows the migrations it ships, up to its newest (its schema); it runs on a newer schema only
-- while every migration above its own is an expansion (adds tables, nullable or defaulted columns,
-- indexes) that it can ignore. A contract migration (drops or renames something an older release
-- reads or writes, adds a constraint older code would break) raises oldest_code_schema to the
-- schema whose release stopped using it; releases that know less refuse to start (georeg serve)
-- and report "database ahead and incompatible" (georeg migrate --check, exit 5).
-- One row: the floor is a property of the whole schema.
CREATE TABLE schema_compatibility (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    oldest_code_schema integer NOT NULL CHECK (oldest_code_schema > 0)
);

-- This migration only adds a table: the release before it (schema 9) runs on it unchanged.
INSERT INTO schema_compatibility (oldest_code_schema) VALUES (9);
