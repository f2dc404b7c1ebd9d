-- Refresh tokens as outage credentials (auth.outage): docker's identity token, which docker sends
-- in place of any password (an OAuth2 grant_type=refresh_token) once `docker login` got one from a
-- token service that issues them. A row with a refresh_token_hash is such a credential: username
-- is the subject the primary's access tokens for it named, password_hash is '' (no password), and
-- refresh_token_hash is SHA-256 of the token after a label (the token is a high-entropy secret the
-- token service generated: a fast hash cannot be walked back, and it must be deterministic to find
-- the row of a grant that names no user). The token itself is never stored. Its grants, lifetime,
-- window and pruning are those of any credential (outage_grants).
ALTER TABLE outage_credentials
    ADD COLUMN refresh_token_hash bytea
        CONSTRAINT outage_credentials_refresh_token_hash_key UNIQUE
        CONSTRAINT outage_credentials_refresh_token_check CHECK (
            refresh_token_hash IS NULL
            OR (octet_length(refresh_token_hash) = 32 AND password_hash = '' AND username <> ''));

-- An expansion: a nullable column the release before neither reads nor writes. Its routers see a
-- refresh token's row as a credential of that user with no password, which they never match.
