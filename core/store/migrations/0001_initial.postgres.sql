-- PostgreSQL's twin of 0001_initial.sql: the same schema; PostgreSQL 15 wants the subquery of the
-- contact_progress view named.
-- The whole domain. Times are UTC TIMESTAMPs; a meeting also keeps its IANA time zone.
-- References are enforced in core/ rather than by FOREIGN KEY: DuckDB refuses updates of
-- indexed columns in a table that a foreign key points at, which rosters and accounts need.

CREATE SEQUENCE id_seq START 1;

CREATE TABLE users (
    id                     BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    username               VARCHAR NOT NULL UNIQUE,
    email                  VARCHAR NOT NULL UNIQUE,
    first_name             VARCHAR NOT NULL,
    last_name              VARCHAR NOT NULL,
    role                   VARCHAR NOT NULL CHECK (role IN ('student', 'counselor', 'admin')),
    password_hash          VARCHAR NOT NULL,
    must_change_password   BOOLEAN NOT NULL DEFAULT false,
    active                 BOOLEAN NOT NULL DEFAULT true,
    student_number         VARCHAR,
    failed_login_attempts  INTEGER NOT NULL DEFAULT 0,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    password_changed_at    TIMESTAMP,
    last_login_at          TIMESTAMP
);

-- One row per sign-in attempt: the throttle counts recent failures per username and per address.
CREATE TABLE login_attempts (
    id              BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    username        VARCHAR,
    client_address  VARCHAR,
    succeeded       BOOLEAN NOT NULL,
    attempted_at    TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_addr ON login_attempts (client_address, attempted_at);

CREATE TABLE cohorts (
    id                        BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    name                      VARCHAR NOT NULL UNIQUE,
    term_start                DATE,
    term_end                  DATE,
    thank_you_window_hours    INTEGER NOT NULL DEFAULT 48,
    stalled_after_days        INTEGER NOT NULL DEFAULT 14,
    follow_up_business_days   INTEGER NOT NULL DEFAULT 3,
    invite_code               VARCHAR UNIQUE,
    self_registration         BOOLEAN NOT NULL DEFAULT false,
    allowed_email_domains     VARCHAR,
    archived_at               TIMESTAMP,
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL
);

CREATE TABLE cohort_counselors (
    cohort_id     BIGINT NOT NULL,
    counselor_id  BIGINT NOT NULL,
    assigned_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (cohort_id, counselor_id)
);

-- A student belongs to one cohort at a time.
CREATE TABLE cohort_members (
    student_id  BIGINT PRIMARY KEY,
    cohort_id   BIGINT NOT NULL,
    joined_at   TIMESTAMP NOT NULL
);
CREATE INDEX cohort_members_cohort ON cohort_members (cohort_id);

-- Goals such as "8 targets by 15 March"; metric names are listed in core/models.py.
CREATE TABLE cohort_goals (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    cohort_id     BIGINT NOT NULL,
    metric        VARCHAR NOT NULL,
    target_count  INTEGER NOT NULL CHECK (target_count > 0),
    due_on        DATE,
    created_by    BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    retired_at    TIMESTAMP
);

-- At most three per student (seed 000: narrow to three occupations), enforced in core.
CREATE TABLE focus_occupations (
    id          BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id  BIGINT NOT NULL,
    name        VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE contacts (
    id                       BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id               BIGINT NOT NULL,
    first_name               VARCHAR NOT NULL,
    last_name                VARCHAR NOT NULL DEFAULT '',
    organization             VARCHAR NOT NULL DEFAULT '',
    title                    VARCHAR NOT NULL DEFAULT '',
    field                    VARCHAR NOT NULL DEFAULT '',
    focus_occupation_id      BIGINT,
    source                   VARCHAR NOT NULL DEFAULT 'other',
    source_detail            VARCHAR NOT NULL DEFAULT '',
    email                    VARCHAR,
    phone                    VARCHAR,
    linkedin_url             VARCHAR,
    other_channel            VARCHAR,
    priority                 INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
    referred_by_contact_id   BIGINT,
    referred_in_meeting_id   BIGINT,
    may_use_referrer_name    BOOLEAN,
    connected_on             DATE,
    archived_at              TIMESTAMP,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
CREATE INDEX contacts_student ON contacts (student_id);

-- One research record per contact: the person, the organization, the field.
CREATE TABLE research_notes (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id          BIGINT NOT NULL UNIQUE,
    student_id          BIGINT NOT NULL,
    about_person        VARCHAR NOT NULL DEFAULT '',
    about_organization  VARCHAR NOT NULL DEFAULT '',
    about_field         VARCHAR NOT NULL DEFAULT '',
    links               VARCHAR NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE planned_questions (
    id                BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id        BIGINT NOT NULL,
    student_id        BIGINT NOT NULL,
    library_item_id   BIGINT,
    category          VARCHAR NOT NULL DEFAULT 'own',
    text              VARCHAR NOT NULL,
    position          INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX planned_questions_contact ON planned_questions (contact_id);

CREATE TABLE outreach_messages (
    id                BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id        BIGINT NOT NULL,
    student_id        BIGINT NOT NULL,
    purpose           VARCHAR NOT NULL DEFAULT 'request' CHECK (purpose IN ('request', 'follow_up')),
    channel           VARCHAR NOT NULL CHECK (channel IN ('email', 'linkedin', 'phone', 'other')),
    library_item_id   BIGINT,
    subject           VARCHAR NOT NULL DEFAULT '',
    body              VARCHAR NOT NULL,
    sent_at           TIMESTAMP,
    reply             VARCHAR CHECK (reply IN ('accepted', 'declined', 'no_reply')),
    replied_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX outreach_contact ON outreach_messages (contact_id);

CREATE TABLE meetings (
    id                BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id        BIGINT NOT NULL,
    student_id        BIGINT NOT NULL,
    starts_at         TIMESTAMP NOT NULL,
    timezone          VARCHAR NOT NULL,
    duration_minutes  INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 5 AND 240),
    mode              VARCHAR NOT NULL CHECK (mode IN ('in_person', 'phone', 'video', 'email')),
    location          VARCHAR NOT NULL DEFAULT '',
    status            VARCHAR NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    held_at           TIMESTAMP,
    insights          VARCHAR NOT NULL DEFAULT '',
    skill_words       VARCHAR NOT NULL DEFAULT '',
    advice            VARCHAR NOT NULL DEFAULT '',
    resources         VARCHAR NOT NULL DEFAULT '',
    resume_feedback   VARCHAR NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX meetings_contact ON meetings (contact_id);

-- The answer heard to each question asked in a meeting.
CREATE TABLE meeting_notes (
    id                    BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    meeting_id            BIGINT NOT NULL,
    student_id            BIGINT NOT NULL,
    planned_question_id   BIGINT,
    question              VARCHAR NOT NULL,
    answer                VARCHAR NOT NULL DEFAULT '',
    position              INTEGER NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX meeting_notes_meeting ON meeting_notes (meeting_id);

-- kind 'interview' thanks the person met; 'referrer' thanks whoever pointed the student to them.
CREATE TABLE thank_yous (
    id                      BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id              BIGINT NOT NULL,
    student_id              BIGINT NOT NULL,
    meeting_id              BIGINT,
    recipient_contact_id    BIGINT NOT NULL,
    kind                    VARCHAR NOT NULL CHECK (kind IN ('interview', 'referrer')),
    channel                 VARCHAR NOT NULL DEFAULT 'email',
    body                    VARCHAR NOT NULL DEFAULT '',
    sent_at                 TIMESTAMP,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX thank_yous_contact ON thank_yous (contact_id);

CREATE TABLE reflections (
    id              BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    meeting_id      BIGINT NOT NULL UNIQUE,
    contact_id      BIGINT NOT NULL,
    student_id      BIGINT NOT NULL,
    feelings        VARCHAR NOT NULL DEFAULT '',
    see_myself      VARCHAR NOT NULL DEFAULT '',
    view_changed    VARCHAR NOT NULL DEFAULT '',
    still_need      VARCHAR NOT NULL DEFAULT '',
    fit_rating      INTEGER CHECK (fit_rating BETWEEN 1 AND 5),
    is_private      BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Keep-in-touch messages after the thank-you: news, a shared resource, a check-in, "where I landed".
CREATE TABLE follow_ups (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    contact_id    BIGINT NOT NULL,
    student_id    BIGINT NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('news', 'resource', 'check_in', 'where_i_landed', 'other')),
    body          VARCHAR NOT NULL DEFAULT '',
    due_on        DATE,
    sent_at       TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);

CREATE TABLE outcomes (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id    BIGINT NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('internship', 'job_offer', 'none', 'other')),
    organization  VARCHAR NOT NULL DEFAULT '',
    title         VARCHAR NOT NULL DEFAULT '',
    description   VARCHAR NOT NULL DEFAULT '',
    decided_on    DATE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE outcome_contacts (
    outcome_id  BIGINT NOT NULL,
    contact_id  BIGINT NOT NULL,
    PRIMARY KEY (outcome_id, contact_id)
);

-- A thread on any item of a student's campaign; subject_type 'student' is the campaign as a whole.
CREATE TABLE comments (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id    BIGINT NOT NULL,
    author_id     BIGINT NOT NULL,
    subject_type  VARCHAR NOT NULL CHECK (subject_type IN
                    ('student', 'contact', 'outreach', 'meeting', 'thank_you', 'reflection', 'follow_up', 'outcome')),
    subject_id    BIGINT NOT NULL,
    body          VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX comments_student ON comments (student_id);

-- A counselor's flag on a student ("needs a nudge"), resolved when dealt with.
CREATE TABLE student_flags (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    student_id    BIGINT NOT NULL,
    counselor_id  BIGINT NOT NULL,
    note          VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    resolved_at   TIMESTAMP
);

-- The content library: questions, templates, reflection prompts, contact sources.
-- seed_key/seed_version let an upgrade add entries without overwriting an admin's edits.
CREATE TABLE library_items (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    kind          VARCHAR NOT NULL CHECK (kind IN ('question', 'template', 'reflection_prompt', 'contact_source')),
    seed_key      VARCHAR UNIQUE,
    seed_version  INTEGER,
    category      VARCHAR NOT NULL DEFAULT '',
    channel       VARCHAR NOT NULL DEFAULT '',
    title         VARCHAR NOT NULL DEFAULT '',
    subject       VARCHAR NOT NULL DEFAULT '',
    body          VARCHAR NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    edited_by     BIGINT,
    retired_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Append-only log of who did what, when. Stage timestamps and activity come from here and
-- from the timestamps of the facts themselves.
CREATE TABLE events (
    id            BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    occurred_at   TIMESTAMP NOT NULL,
    actor_id      BIGINT,
    student_id    BIGINT,
    cohort_id     BIGINT,
    contact_id    BIGINT,
    entity_type   VARCHAR NOT NULL,
    entity_id     BIGINT,
    action        VARCHAR NOT NULL,
    detail        VARCHAR NOT NULL DEFAULT ''
);
CREATE INDEX events_student ON events (student_id, occurred_at);
CREATE INDEX events_time ON events (occurred_at);

-- When each contact reached each stage, derived from the stored facts, and its current stage.
CREATE VIEW contact_progress AS
WITH research AS (
    SELECT contact_id, min(ts) AS at FROM (
        SELECT contact_id, created_at AS ts FROM research_notes
        WHERE about_person <> '' OR about_organization <> '' OR about_field <> '' OR links <> ''
        UNION ALL SELECT contact_id, created_at FROM planned_questions
    ) AS r GROUP BY contact_id
), outreach AS (
    SELECT contact_id, min(sent_at) AS at FROM outreach_messages WHERE sent_at IS NOT NULL GROUP BY contact_id
), interview AS (
    SELECT contact_id, min(held_at) AS at FROM meetings WHERE status = 'held' GROUP BY contact_id
), thank AS (
    SELECT contact_id, min(sent_at) AS at FROM thank_yous
    WHERE kind = 'interview' AND sent_at IS NOT NULL GROUP BY contact_id
), reflect AS (
    SELECT contact_id, min(created_at) AS at FROM reflections GROUP BY contact_id
), keep AS (
    SELECT contact_id, min(sent_at) AS at FROM follow_ups WHERE sent_at IS NOT NULL GROUP BY contact_id
)
SELECT
    c.id AS contact_id,
    c.student_id,
    c.archived_at,
    c.created_at AS target_at,
    research.at AS research_at,
    outreach.at AS outreach_at,
    interview.at AS interview_at,
    thank.at AS thank_at,
    reflect.at AS reflect_at,
    keep.at AS keep_in_touch_at,
    CASE
        WHEN keep.at IS NOT NULL THEN 'keep_in_touch'
        WHEN reflect.at IS NOT NULL THEN 'reflect'
        WHEN thank.at IS NOT NULL THEN 'thank'
        WHEN interview.at IS NOT NULL THEN 'interview'
        WHEN outreach.at IS NOT NULL THEN 'outreach'
        WHEN research.at IS NOT NULL THEN 'research'
        ELSE 'target'
    END AS stage,
    coalesce(keep.at, reflect.at, thank.at, interview.at, outreach.at, research.at, c.created_at) AS stage_at
FROM contacts c
LEFT JOIN research ON research.contact_id = c.id
LEFT JOIN outreach ON outreach.contact_id = c.id
LEFT JOIN interview ON interview.contact_id = c.id
LEFT JOIN thank ON thank.contact_id = c.id
LEFT JOIN reflect ON reflect.contact_id = c.id
LEFT JOIN keep ON keep.contact_id = c.id;
