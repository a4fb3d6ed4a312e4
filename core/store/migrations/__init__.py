"""Numbered, append-only SQL migrations (core/store/migrate.py applies them, each with its hash).

`NNNN_words.sql` is written in the SQL DuckDB and PostgreSQL share and applies to both stores.
Where a migration needs a spelling only one store accepts, a twin `NNNN_words.postgres.sql` sits
beside it: PostgreSQL applies the twin instead, under the same number and name, and records the
twin's hash. The two must leave the same tables, columns and views. DuckDB never reads a twin, so
a twin never changes what an existing DuckDB database has applied. A new migration has a twin only
when it truly needs one; a twin never exists without its migration.
"""
