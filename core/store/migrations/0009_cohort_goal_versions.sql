-- Cohort goals can be edited (target, due date) as well as retired and brought back: each carries
-- a version that a save checks and bumps, like every other editable row (see 0005).
ALTER TABLE cohort_goals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cohort_goals ADD COLUMN updated_at TIMESTAMP;
UPDATE cohort_goals SET updated_at = created_at;
