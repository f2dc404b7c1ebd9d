-- Replication queue of the replicator (owner: replicator module, io.georeg.replicator.queue).
--
-- replication_event: every notification event the primary registry sent, committed by the intake
-- before it answers 2xx. The event id is unique: distribution re-sends the byte-identical event
-- (same id) until it gets a 2xx, so a redelivery inserts nothing.
CREATE TABLE replication_event (
    event_id     text        PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    event_at     timestamptz NOT NULL,          -- the event's own timestamp (primary's clock)
    action       text        NOT NULL,          -- push | pull | mount | delete | anything newer
    repository   text        NOT NULL,
    digest       text,                          -- absent on tag deletes
    tag          text,                          -- only on manifest events made by tag, tag deletes
    media_type   text,                          -- blobs carry application/octet-stream, deletes nothing
    size         bigint,
    event        jsonb       NOT NULL           -- the event object as received
);
CREATE INDEX replication_event_received_at ON replication_event (received_at);

-- replication_work: what the workers must do, coalesced per (repository, kind, ref): many events
-- for one tag (push, overwrite, delete) leave one row that says what the latest one asked for.
--   kind = 'tag'    ref = tag name;  operation push_manifest (digest = where the tag points) or delete
--   kind = 'digest' ref = digest;    operation push_manifest | push_blob | delete (manifest or blob:
--                                    the event cannot tell, the worker asks the primary)
-- generation increases with every coalesced event; a worker finishing an older generation leaves the
-- row pending so that the newer request runs too (never two workers on one row: see the queue code).
CREATE TABLE replication_work (
    id               bigserial   PRIMARY KEY,
    repository       text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('tag', 'digest')),
    ref              text        NOT NULL,
    operation        text        NOT NULL CHECK (operation IN ('push_manifest', 'push_blob', 'delete')),
    digest           text,
    media_type       text,
    size             bigint,
    state            text        NOT NULL DEFAULT 'pending'
                                 CHECK (state IN ('pending', 'in_progress', 'done', 'failed')),
    generation       integer     NOT NULL DEFAULT 1,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    source           text        NOT NULL DEFAULT 'event',   -- event | reconcile | preheat | retry
    first_event_at   timestamptz NOT NULL,   -- oldest not yet applied request (event clock): lag start
    last_event_at    timestamptz NOT NULL,   -- newest request; an older one never overrides it
    enqueued_at      timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    done_at          timestamptz,
    CONSTRAINT replication_work_key UNIQUE (repository, kind, ref)
);
-- The claim query's two paths: due pending rows, and in-progress rows whose lease ran out.
CREATE INDEX replication_work_due ON replication_work (next_attempt_at) WHERE state = 'pending';
CREATE INDEX replication_work_leased ON replication_work (lease_expires_at) WHERE state = 'in_progress';
CREATE INDEX replication_work_failed ON replication_work (updated_at) WHERE state = 'failed';

-- pull_counter: pull events are counted, not queued (a pull changes nothing to replicate, but
-- tells which repositories are hot, e.g. for preheat).
CREATE TABLE pull_counter (
    repository     text        NOT NULL,
    digest         text        NOT NULL,    -- '' when the event named none
    pulls          bigint      NOT NULL DEFAULT 0,
    last_pulled_at timestamptz NOT NULL,
    PRIMARY KEY (repository, digest)
);
