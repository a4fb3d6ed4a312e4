-- A student's own pages read that student's rows of each table (core/facts.py for_one_student:
-- `student_id = <id>`). The portal appends rows in the order things happen, so one student's rows
-- lie scattered over a whole table and only an index on student_id finds them without reading
-- every row. The event log had one only as the first column of (student_id, occurred_at), which
-- DuckDB does not use for such a lookup: at 100,000 students a student's latest activity per
-- contact took 7.6 ms by a scan of 6.4 million events, 1.0 ms with this index (bench/student_scale.py).
CREATE INDEX events_by_student ON events (student_id);
CREATE INDEX research_notes_by_student ON research_notes (student_id);
CREATE INDEX planned_questions_by_student ON planned_questions (student_id);
CREATE INDEX outreach_by_student ON outreach_messages (student_id);
CREATE INDEX meetings_by_student ON meetings (student_id);
CREATE INDEX thank_yous_by_student ON thank_yous (student_id);
CREATE INDEX reflections_by_student ON reflections (student_id);
CREATE INDEX follow_ups_by_student ON follow_ups (student_id);
CREATE INDEX thank_yous_owed_by_student ON thank_yous_owed (student_id);
