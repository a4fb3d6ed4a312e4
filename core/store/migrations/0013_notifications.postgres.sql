-- PostgreSQL's twin of 0013_notifications.sql: the attachment is BYTEA, PostgreSQL's BLOB.
-- Reminders that reach people (issue 9): what the portal told whom, in the portal and by email,
-- each person's choices, and the runs of the scheduled work.

-- In-portal notifications. One row per person per fact and due moment (fact_key), so a rerun,
-- a crash mid-batch or two runners at once write each one once: this is the ledger.
CREATE TABLE notifications (
    id          BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    user_id     BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,
    fact_key    VARCHAR NOT NULL,
    title       VARCHAR NOT NULL,
    body        VARCHAR NOT NULL DEFAULT '',
    page        VARCHAR NOT NULL,
    params      VARCHAR NOT NULL DEFAULT '',
    due_at      TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP,
    UNIQUE (user_id, fact_key)
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);

-- Email, rendered when due and sent by the mailer; unique per address and fact like the above.
-- state: pending (to send, at next_attempt_at), sending (claimed by a runner), sent, failed
-- (retries exhausted, or interrupted mid-send and not resent to avoid a duplicate), held
-- (demo portal without SMTP: kept for the Outbox page, never sent).
CREATE TABLE email_outbox (
    id               BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    user_id          BIGINT,
    kind             VARCHAR NOT NULL,
    fact_key         VARCHAR NOT NULL,
    to_address       VARCHAR NOT NULL,
    subject          VARCHAR NOT NULL,
    body_text        VARCHAR NOT NULL,
    body_html        VARCHAR NOT NULL,
    attachment_name  VARCHAR,
    attachment_type  VARCHAR,
    attachment       BYTEA,
    message_id       VARCHAR NOT NULL,
    state            VARCHAR NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    claimed_by       VARCHAR,
    claimed_at       TIMESTAMP,
    last_error       VARCHAR,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    UNIQUE (to_address, fact_key)
);
CREATE INDEX email_outbox_by_state ON email_outbox (state, next_attempt_at);

-- A person's email choice per kind of reminder (in-portal notifications are always on).
CREATE TABLE notification_prefs (
    user_id     BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,
    email       BOOLEAN NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- A cohort's defaults, set by its counselor or the career office; a person's own choice wins.
CREATE TABLE cohort_notification_defaults (
    cohort_id   BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,
    email       BOOLEAN NOT NULL,
    updated_by  BIGINT,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (cohort_id, kind)
);

-- How often a counselor (or the career office) receives the digest: weekly, daily or off.
CREATE TABLE digest_prefs (
    user_id     BIGINT PRIMARY KEY,
    frequency   VARCHAR NOT NULL CHECK (frequency IN ('weekly', 'daily', 'off')),
    updated_at  TIMESTAMP NOT NULL
);

-- Every run of scheduled work: what it did and what went wrong.
CREATE TABLE job_runs (
    id           BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    job          VARCHAR NOT NULL,
    runner       VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    summary      VARCHAR NOT NULL DEFAULT '',
    error        VARCHAR
);
CREATE INDEX job_runs_by_job ON job_runs (job, started_at);

-- Which runner holds a job right now, until when: two runners never run the same job together.
CREATE TABLE job_leases (
    job         VARCHAR PRIMARY KEY,
    holder      VARCHAR NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
