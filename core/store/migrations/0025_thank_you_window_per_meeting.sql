-- The thank-you window in force when a meeting was held decides that meeting's thank-you: raising a
-- cohort's window later no longer turns a thank-you that was late into one with hours left, nor the
-- other way round. The window is recorded on the meeting when it is logged as held
-- (core/campaign/meetings.py), and core/rules/facts.py THANK_STATUS reads it, falling back to the
-- cohort's window, then the rules' default, for a meeting that has none.
-- Meetings already held are stamped with the window they were judged by until now: their cohort's
-- current one, or, for a student in no cohort, the rules' default (core/rules/timing.py, 48 hours).
-- DuckDB cannot add a column to a table that has an index, so those are dropped and recreated around it.
DROP INDEX meetings_contact;
DROP INDEX meetings_by_student;
ALTER TABLE meetings ADD COLUMN thank_you_window_hours INTEGER;
UPDATE meetings SET thank_you_window_hours = coalesce(
    (SELECT co.thank_you_window_hours FROM cohort_members cm JOIN cohorts co ON co.id = cm.cohort_id
     WHERE cm.student_id = meetings.student_id), 48)
WHERE status = 'held';
CREATE INDEX meetings_contact ON meetings (contact_id);
CREATE INDEX meetings_by_student ON meetings (student_id);
