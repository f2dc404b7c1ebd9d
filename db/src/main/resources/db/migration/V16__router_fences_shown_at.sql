-- When a replica first showed a fence's write. A registry-read answers from its cache until the
-- change's notification reaches it (bounded by replica.cache.tagTtl), and the registry-read that
-- a router checked may not be the one the next read reaches (another router's, another pod), so a
-- fence is cleared only once a replica has shown its write for that long; until then its reads
-- stay with the primary. A later write to the same target resets it.
ALTER TABLE router_fences ADD COLUMN shown_at timestamptz;

-- An expansion: a router of the release before never sets it and clears a fence as soon as its
-- replica shows the write (the guarantee of the release before); nothing older code reads changes.
