-- Each student's all-time figures and pending thank-yous, kept as their records are written, so
-- the dashboard for a whole institution reads one row per student instead of aggregating every
-- contact, meeting and note on each view. Both are recomputed from the definitions of
-- core/facts.py (never written by hand): before every write transaction that touched a
-- student commits (core.events), and for everyone by `python -m core.migrate --rebuild-figures`.
CREATE TABLE student_figures (
    student_id                   BIGINT PRIMARY KEY,
    targets                      INTEGER NOT NULL,
    researched                   INTEGER NOT NULL,
    outreach_sent                INTEGER NOT NULL,
    interviews                   INTEGER NOT NULL,
    thanked                      INTEGER NOT NULL,
    reflections                  INTEGER NOT NULL,
    referrals                    INTEGER NOT NULL,
    meetings_without_reflection  INTEGER NOT NULL
);
-- Thank-yous owed: held meetings with no interview thank-you sent and the contact not archived.
-- One becomes overdue when the present passes its due_at (core/facts.py THANK_STATUS).
CREATE TABLE thank_yous_owed (
    meeting_id  BIGINT NOT NULL,
    student_id  BIGINT NOT NULL,
    due_at      TIMESTAMP NOT NULL
);
