-- Read-your-writes across router instances by construction. A router keeps the fences in memory
-- (FenceView, by LISTEN georeg_router_fences), and another router's fence can commit before its
-- notification reaches this one. So every transaction that records fences also counts one
-- generation here: it takes this row's lock first (generations commit in their order) and, last,
-- notifies 'generation:<n>' on the same channel (delivered after the rows' own notifications, in
-- commit order). A router whose view has applied generation n knows every fence recorded up to n;
-- before it answers a read from its view it reads this one row, and when its view is behind it
-- asks router_fences instead. Clearing and expiring fences count no generation: a fence a view
-- still holds after it was cleared only sends a read to the primary.
CREATE TABLE router_fence_generation (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation bigint  NOT NULL
);

INSERT INTO router_fence_generation (singleton, generation) VALUES (true, 0);

-- An expansion: a router of the release before records fences without counting generations, so
-- while both run a newer router may trust a view that lacks an older router's newest fence until
-- its notification arrives (the guarantee of the release before); nothing older code reads changes.
