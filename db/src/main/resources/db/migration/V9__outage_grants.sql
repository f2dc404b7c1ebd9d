-- What the primary's token service granted, so that the routers can grant the same pull scopes
-- while it is unreachable (outage tokens, auth.outage). Shared by every router through PostgreSQL.
-- No credential is stored: a credential is its user name and a salted, slow, versioned hash of its
-- password (a PHC string, Argon2id), and anonymous requests are the user '' with the hash ''.
-- Bounded: grants older than auth.outage.grantWindow are pruned, and the oldest beyond
-- auth.outage.maxGrants; a credential without grants goes with its last one.
CREATE TABLE outage_credentials (
    id               bigserial   PRIMARY KEY,
    username         text        NOT NULL CHECK (length(username) <= 256),
    password_hash    text        NOT NULL CHECK (password_hash = '' OR password_hash LIKE '$argon2id$%'),
    -- Lifetime of the primary's last token for this credential: outage tokens never live longer.
    token_lifetime_s integer     NOT NULL CHECK (token_lifetime_s > 0),
    learned_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outage_credentials_username ON outage_credentials (username);

CREATE TABLE outage_grants (
    credential_id bigint      NOT NULL REFERENCES outage_credentials (id) ON DELETE CASCADE,
    repository    text        NOT NULL,
    granted_at    timestamptz NOT NULL,
    PRIMARY KEY (credential_id, repository)
);

CREATE INDEX outage_grants_granted_at ON outage_grants (granted_at);
