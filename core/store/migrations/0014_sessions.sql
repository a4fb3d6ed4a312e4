-- Signed-in sessions kept by the server (issue 11). One row per sign-in: each browser tab of it and
-- its re-login cookie check the row on every run, so ending a session is one UPDATE, seen by every
-- replica at the next click. The cookie carries a random session id, signed; only its SHA-256
-- hash is stored here, so a copy of the database signs nobody in. The id is made when the browser
-- trades the one-time handoff code for its cookie (ui/session_route.py), so page scripts never see it.
-- Written in the SQL PostgreSQL also accepts.
CREATE TABLE sessions (
    id              BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    user_id         BIGINT NOT NULL,
    method          VARCHAR NOT NULL CHECK (method IN ('password', 'sso')),
    token_hash      VARCHAR,
    handoff_hash    VARCHAR,
    handoff_until   TIMESTAMP,
    issued_at       TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    client_address  VARCHAR
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Replaced by sessions.revoked_at: a revocation is recorded on each session, not worked out from
-- a cookie's expiry.
DROP TABLE session_revocations;
