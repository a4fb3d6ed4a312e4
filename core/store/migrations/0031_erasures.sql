-- Students the career office erased (issue 22): who did it and when (core/admin/records.py). The account row
-- stays, pseudonymised, so cohort counts and the audit trail keep their shape; this row says it can never be
-- signed into, archived or erased again. Written in the SQL PostgreSQL also accepts.
CREATE TABLE erasures (
    student_id  BIGINT PRIMARY KEY,
    erased_by   BIGINT NOT NULL,
    erased_at   TIMESTAMP NOT NULL
);
