-- Every held meeting with when its thank-you is due (the cohort's window, 48 hours without a
-- cohort) and when it was sent. "Overdue" compares due_at with the caller's now; see core/rules.py.
CREATE VIEW thank_you_status AS
SELECT
    m.id AS meeting_id,
    m.contact_id,
    m.student_id,
    m.held_at,
    m.held_at + to_hours(coalesce(co.thank_you_window_hours, 48)) AS due_at,
    (SELECT min(t.sent_at) FROM thank_yous t
      WHERE t.kind = 'interview' AND t.sent_at IS NOT NULL
        AND (t.meeting_id = m.id OR (t.meeting_id IS NULL AND t.contact_id = m.contact_id))) AS sent_at
FROM meetings m
LEFT JOIN cohort_members cm ON cm.student_id = m.student_id
LEFT JOIN cohorts co ON co.id = cm.cohort_id
WHERE m.status = 'held';
