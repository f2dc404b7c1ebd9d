-- Read-your-writes across router instances without a query per read. A router whose fence view
-- (LISTEN georeg_router_fences) is live holds a lease here and renews it every lease/4; while its
-- local copy of the lease is valid and its view has applied the generation it read after its
-- latest renewal, it checks a read's fences in memory. acked_generation is the latest fence
-- generation (V11) that router's view has applied: a router that records a fence of generation G
-- holds the write's answer until no other router's lease renewed before the write's first look
-- is unexpired with acked_generation < G (a renewal after it read a generation that includes G).
-- A router that stops removes its row; one that dies leaves it to expire (at most one lease).
CREATE TABLE router_fence_leases (
    instance         text        PRIMARY KEY,
    acked_generation bigint      NOT NULL,
    renewed_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);

-- An expansion: a router of the release before neither reads nor writes this table; it records
-- fences without waiting for acks and reads the generation before every read (its own guarantee).
-- While one runs, a router of this release finds its LISTEN connection ("georeg-router-fences")
-- in pg_stat_activity and does not trust its lease (see docs/upgrades.md).
