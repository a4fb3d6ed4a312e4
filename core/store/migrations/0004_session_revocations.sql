-- Signing out (or an admin's action) revokes every re-login cookie issued before this moment,
-- whether or not the browser managed to delete its copy. A table of its own: DuckDB cannot add a
-- column to a table that has indexes.
CREATE TABLE session_revocations (
    username    VARCHAR PRIMARY KEY,
    revoked_at  TIMESTAMP NOT NULL
);
