-- Edits are versioned: every row a person can edit carries a version that a save checks and
-- bumps, so a form opened before someone else's save is refused instead of overwriting it.
-- DuckDB cannot add a column to a table that has an index, so those indexes are dropped and
-- recreated around the change.
DROP INDEX contacts_student;
ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX contacts_student ON contacts (student_id);

ALTER TABLE research_notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

DROP INDEX planned_questions_contact;
ALTER TABLE planned_questions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE planned_questions ADD COLUMN updated_at TIMESTAMP;
UPDATE planned_questions SET updated_at = created_at;
CREATE INDEX planned_questions_contact ON planned_questions (contact_id);

DROP INDEX outreach_contact;
ALTER TABLE outreach_messages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outreach_contact ON outreach_messages (contact_id);

DROP INDEX meetings_contact;
ALTER TABLE meetings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX meetings_contact ON meetings (contact_id);

DROP INDEX meeting_notes_meeting;
ALTER TABLE meeting_notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX meeting_notes_meeting ON meeting_notes (meeting_id);

DROP INDEX thank_yous_contact;
ALTER TABLE thank_yous ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX thank_yous_contact ON thank_yous (contact_id);

ALTER TABLE reflections ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

DROP INDEX follow_ups_contact;
ALTER TABLE follow_ups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);

ALTER TABLE outcomes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Comments can be edited by their author (shown as "edited") and withdrawn.
DROP INDEX comments_student;
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN edited_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN deleted_at TIMESTAMP;
CREATE INDEX comments_student ON comments (student_id);

ALTER TABLE cohorts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE library_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- A repeated submit of the same form render (a double click, a resent request) creates nothing
-- twice: each create records the key its form was drawn with, and a second use returns the first.
CREATE TABLE form_submissions (
    user_id      BIGINT NOT NULL,
    key          VARCHAR NOT NULL,
    entity_type  VARCHAR NOT NULL,
    entity_id    BIGINT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
