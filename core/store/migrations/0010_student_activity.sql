-- Each student's latest own action, kept as the events are written (core.events.record), so the
-- dashboard's "last activity" and "stalled" read one row per student instead of scanning the
-- whole event log, which grows with every action of every student.
CREATE TABLE student_activity (
    student_id        BIGINT PRIMARY KEY,
    last_activity_at  TIMESTAMP NOT NULL
);
INSERT INTO student_activity
SELECT student_id, max(occurred_at) FROM events
WHERE student_id IS NOT NULL AND actor_id = student_id
GROUP BY student_id;
