-- The routers' operating mode and primary URL, set through their admin endpoint
-- (PUT /-/admin/mode, PUT /-/admin/primary) by georeg drill and georeg promote. One row, shared
-- through PostgreSQL so that switching one router instance switches all of them: each router
-- polls this row. primary_url NULL means "the primary configured in router.primaryUrl".
CREATE TABLE router_admin_state (
    id           smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    mode         text        NOT NULL DEFAULT 'normal' CHECK (mode IN ('normal', 'primary-down', 'frozen')),
    reason       text        NOT NULL DEFAULT '',
    primary_url  text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO router_admin_state (id) VALUES (1);
