-- A student's private calendar feed (issue 21): one address per student that Google, Outlook or Apple
-- calendars subscribe to without signing in anywhere (core/campaign/calendar_feed.py, served by
-- ui/calendar_route.py). The address ends in a long random token; only its SHA-256 hash is kept here,
-- so a copy of the database opens no feed. Replacing the address revokes the old row, and a revoked
-- row never opens again. Written in the SQL PostgreSQL also accepts.
CREATE TABLE calendar_feeds (
    id          BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id  BIGINT NOT NULL,
    token_hash  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX calendar_feeds_by_token ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_by_student ON calendar_feeds (student_id);
