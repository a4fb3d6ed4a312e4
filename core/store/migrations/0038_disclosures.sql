-- Who took student records out of the portal (issue 22, items 4 and 6): one row per file that left
-- with student records in it (an export, the cohort comparison, one-time passwords, a student's
-- archive, a backup, the audit log's CSV), with who, when, from which address, what it covered, how
-- many rows, and for a file meant for someone outside the institution the purpose the person gave.
-- core/admin/disclosures.py writes and reads it. Written in the SQL PostgreSQL also accepts.
CREATE TABLE disclosures (
    id              BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    occurred_at     TIMESTAMP NOT NULL,
    actor_id        BIGINT,
    actor_role      VARCHAR,
    client_address  VARCHAR,
    kind            VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL DEFAULT '',
    cohort_id       BIGINT,
    covers          VARCHAR NOT NULL DEFAULT '',
    whole_portal    BOOLEAN NOT NULL DEFAULT false,
    row_count       BIGINT,
    include_notes   BOOLEAN NOT NULL DEFAULT false,
    outside         BOOLEAN NOT NULL DEFAULT false,
    purpose         VARCHAR NOT NULL DEFAULT ''
);
CREATE INDEX disclosures_by_time ON disclosures (occurred_at);

-- The students whose records a file held (a backup holds everyone's: whole_portal instead).
CREATE TABLE disclosure_students (
    disclosure_id  BIGINT NOT NULL,
    student_id     BIGINT NOT NULL,
    PRIMARY KEY (disclosure_id, student_id)
);
CREATE INDEX disclosure_students_by_student ON disclosure_students (student_id, disclosure_id);
