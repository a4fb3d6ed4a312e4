-- Students whose kept figures (0011: student_figures, thank_yous_owed) wait to be recomputed.
-- A write transaction that touched a student's records appends a row here as it commits
-- (core.events), instead of recomputing the figures inside the save. Whoever reads the kept
-- figures next (the dashboard, goal pacing, the progress export, the scheduled job) first
-- recomputes them for the students listed and deletes the rows it saw, in one transaction
-- (core/facts.py settle), so every read still sees every committed save.
CREATE TABLE figures_stale (
    id          BIGINT NOT NULL DEFAULT nextval('id_seq'),
    student_id  BIGINT NOT NULL
);
