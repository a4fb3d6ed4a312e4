-- Membership with dates, so a student's past stays with the cohort where it happened.
-- cohort_members keeps each student's CURRENT cohort (every reader of "the student's cohort" reads it);
-- cohort_past_members keeps the memberships a student has left, moved by a roster import
-- (core/admin/cohorts.py move_student). cohort_memberships is the whole history, one row
-- per membership, left_at empty for the current one. The cohort's exports and figures for a period count
-- a former member's work dated while they were a member (core/oversight/dashboard.py memberships_in_scope).
CREATE TABLE cohort_past_members (
    student_id  BIGINT NOT NULL,
    cohort_id   BIGINT NOT NULL,
    joined_at   TIMESTAMP NOT NULL,
    left_at     TIMESTAMP NOT NULL
);
CREATE INDEX cohort_past_members_cohort ON cohort_past_members (cohort_id);
CREATE INDEX cohort_past_members_student ON cohort_past_members (student_id);

CREATE VIEW cohort_memberships AS
SELECT student_id, cohort_id, joined_at, left_at FROM cohort_past_members
UNION ALL
SELECT student_id, cohort_id, joined_at, CAST(NULL AS TIMESTAMP) AS left_at FROM cohort_members;
