"""Migrations: applied once in order, recorded with their hash, edits refused, failures rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import MigrationError
from core.store import dialect
from core.store.db import Database, scalar
from core.store.migrate import MIGRATIONS_DIR, apply_migrations, discover, schema_version


def _copy_migrations(target: Path) -> None:
    target.mkdir()
    for m in discover(MIGRATIONS_DIR):
        (target / m.name).write_text(m.sql, encoding="utf-8")


def test_applies_every_migration_once_with_its_hash():
    db = Database(":memory:")
    applied = apply_migrations(db)
    assert applied == [m.name for m in discover()]
    assert apply_migrations(db) == []
    with db.cursor() as cur:
        recorded = cur.execute("SELECT name, sha256 FROM schema_migrations ORDER BY version").fetchall()
    assert recorded == [(m.name, m.sha256) for m in discover()]
    assert schema_version(db) == discover()[-1].version


def test_an_edited_applied_migration_is_refused(tmp_path):
    folder = tmp_path / "migrations"
    _copy_migrations(folder)
    db = Database(":memory:")
    apply_migrations(db, folder)
    first = sorted(folder.glob("0001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- changed\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        apply_migrations(db, folder)


def test_a_failing_migration_rolls_back_entirely(tmp_path):
    folder = tmp_path / "migrations"
    _copy_migrations(folder)
    (folder / "0099_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n", encoding="utf-8")
    db = Database(":memory:")
    with pytest.raises(MigrationError, match="0099_broken.sql failed and was rolled back"):
        apply_migrations(db, folder)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'") == 0
        assert scalar(cur, "SELECT count(*) FROM schema_migrations WHERE version = 99") == 0
        # Everything before the broken one stays applied.
        assert scalar(cur, "SELECT count(*) FROM schema_migrations") == len(discover())


def test_badly_named_or_duplicate_migrations_are_refused(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("SELECT 1;")
    (folder / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share number 0001"):
        discover(folder)
    (folder / "0001_b.sql").unlink()
    (folder / "two.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_words.sql"):
        discover(folder)


def test_command_line_migrates_the_configured_file(tmp_path, monkeypatch, capsys):
    from core.config import get_settings
    from core.store import migrate

    monkeypatch.setenv("PORTAL_DB_PATH", str(tmp_path / "p.duckdb"))
    get_settings.cache_clear()
    try:
        assert migrate.main() == 0
        assert "applied 0001_initial.sql" in capsys.readouterr().out
        assert migrate.main() == 0
        assert "schema up to date" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def _migration_files():
    from core.store.migrate import MIGRATIONS_DIR

    return list(MIGRATIONS_DIR.glob("*.sql"))


def test_postgres_applies_a_twin_where_there_is_one_and_duckdb_never_reads_twins(tmp_path):
    from core.store.migrate import discover

    duck, pg = discover(store=dialect.DUCKDB), discover(store=dialect.POSTGRES)
    assert [(m.version, m.name) for m in duck] == [(m.version, m.name) for m in pg]
    files = {p.name for p in _migration_files()}
    twinned = {m.name for m in duck if m.name.replace(".sql", ".postgres.sql") in files}
    assert "0001_initial.sql" in twinned
    for d, p in zip(duck, pg, strict=True):
        assert (d.sha256 != p.sha256) == (d.name in twinned)
        code = "\n".join(line.split("--")[0] for line in p.sql.splitlines())
        assert "to_hours" not in code and "BLOB" not in code
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0002_b.postgres.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="twin"):
        discover(tmp_path, dialect.POSTGRES)
