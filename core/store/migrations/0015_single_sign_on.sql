-- Single sign-on (issue 11): the career office's rules for signing in through the institution's
-- OpenID Connect provider. Written in the SQL PostgreSQL also accepts.

-- One row: whether password sign-in is closed to everyone but one break-glass admin.
CREATE TABLE sso_policy (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    require_sso          BOOLEAN NOT NULL DEFAULT false,
    break_glass_user_id  BIGINT,
    updated_by           BIGINT,
    updated_at           TIMESTAMP
);
INSERT INTO sso_policy (id, require_sso) VALUES (1, false);

-- Email domains whose people, signing in through the provider without an account, become students
-- of a cohort. A domain leads to one cohort.
CREATE TABLE sso_domains (
    domain      VARCHAR PRIMARY KEY,
    cohort_id   BIGINT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
