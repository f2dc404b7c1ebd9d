-- Each router's outage shield as it last reported it (auth.token on), so that georeg status and
-- the status page say whether the shield is armed (site key loaded, grants held) and in use
-- (answering token requests itself) on every router, not only on the one serving the page.
-- Each router upserts its row every few seconds and deletes it when it stops; readers count only
-- recent rows, and rows not reported for a day are pruned. An expansion: nothing older reads it.
CREATE TABLE outage_shield_reports (
    router          text        PRIMARY KEY CHECK (length(router) <= 256),
    site_key_loaded boolean     NOT NULL,
    in_use          boolean     NOT NULL,
    grants          bigint      NOT NULL CHECK (grants >= 0),
    reported_at     timestamptz NOT NULL DEFAULT now()
);
