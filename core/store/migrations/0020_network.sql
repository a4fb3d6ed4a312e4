-- The institution's network (issue: alumni volunteers, care for over-asked people).
-- Written in SQL that PostgreSQL accepts too.

-- Alumni and employer friends who agreed to talk with students; they have no account.
CREATE TABLE volunteers (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    first_name          VARCHAR NOT NULL,
    last_name           VARCHAR NOT NULL DEFAULT '',
    email               VARCHAR NOT NULL UNIQUE,
    organization        VARCHAR NOT NULL DEFAULT '',
    title               VARCHAR NOT NULL DEFAULT '',
    occupation          VARCHAR NOT NULL DEFAULT '',
    topics              VARCHAR NOT NULL DEFAULT '',
    contact_preference  VARCHAR NOT NULL DEFAULT 'email',
    linkedin_url        VARCHAR,
    capacity_per_term   INTEGER NOT NULL DEFAULT 3 CHECK (capacity_per_term BETWEEN 0 AND 100),
    active              BOOLEAN NOT NULL DEFAULT true,
    -- Bumped by every request, so two students taking a volunteer's last place at once conflict
    -- and the second one counts again.
    requests_claimed    BIGINT NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          BIGINT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

-- A student's contact made from the directory: what a volunteer's capacity counts.
CREATE TABLE volunteer_requests (
    contact_id    BIGINT PRIMARY KEY,
    volunteer_id  BIGINT NOT NULL,
    student_id    BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_requests_volunteer ON volunteer_requests (volunteer_id);

-- A cap on how many students may ask one person in a term, set by the career office; the person is
-- named by the key core/network.py computes (email, else LinkedIn address, else name and organization).
CREATE TABLE person_caps (
    person_key  VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    cap         INTEGER NOT NULL CHECK (cap BETWEEN 1 AND 1000),
    set_by      BIGINT NOT NULL,
    set_at      TIMESTAMP NOT NULL
);

-- One row: the institution's network settings (no default cap: off).
CREATE TABLE network_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    default_person_cap   INTEGER CHECK (default_person_cap BETWEEN 1 AND 1000),
    updated_by           BIGINT,
    updated_at           TIMESTAMP
);
