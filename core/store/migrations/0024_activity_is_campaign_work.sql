-- A student's activity is campaign work (core/rules/activity.py): a target, research, outreach, a reply,
-- a meeting, a thank-you, a keep-in-touch note, a reflection or an outcome. Signing in, reading
-- notifications and changing settings used to count as the student's latest action, so a stalled
-- student who only looked at the portal stopped showing as stalled. Each student's kept last activity
-- is rebuilt from the event log by the new rule (the query is core/rules/activity.py LATEST_CAMPAIGN_WORK);
-- a student with no campaign work yet keeps no row, and is counted from joining, as before.
DELETE FROM student_activity;
INSERT INTO student_activity (student_id, last_activity_at)
SELECT student_id, max(occurred_at) AS last_activity_at FROM events
WHERE student_id IS NOT NULL AND actor_id = student_id AND entity_type IN ('contact', 'focus_occupation', 'follow_up', 'meeting', 'outcome', 'outreach', 'question', 'reflection', 'research', 'thank_you') AND action NOT IN ('commented')
GROUP BY student_id;
