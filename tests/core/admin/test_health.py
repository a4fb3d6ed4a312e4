"""The health report: schema version, counts and size (core/admin/health.py)."""

from __future__ import annotations

import pytest

from core.admin import health
from core.errors import AccessDenied


def test_health_reports_schema_counts_and_size(world, tmp_path):
    from core.store.db import Database
    from core.store.migrate import apply_migrations

    r = health.report(world.db, world.admin)
    assert r.schema_version == max(m["version"] for m in r.migrations)
    assert r.row_counts["users"] == 6 and r.row_counts["cohorts"] == 2
    if world.db.store == "duckdb":
        assert r.file_bytes is None  # in memory
    else:
        assert r.file_bytes > 0 and r.store.startswith("PostgreSQL")  # the database's size on the server
    file_db = Database(tmp_path / "h.duckdb")
    apply_migrations(file_db)
    file_db.close()
    file_db = Database(tmp_path / "h.duckdb")
    assert health.report(file_db, world.admin).file_bytes == (tmp_path / "h.duckdb").stat().st_size
    file_db.close()
    assert health.human_bytes(1536) == "1.5 KiB" and health.human_bytes(12) == "12 bytes"
    with pytest.raises(AccessDenied):
        health.report(world.db, world.alice)


EMAIL_ON = {"smtp_host": "mail.example.edu", "smtp_from": "portal@example.edu"}


def test_health_flags_email_on_without_the_public_address(world):
    from core.config import Settings

    unset = health.report(world.db, world.admin, settings=Settings(base_url="", **EMAIL_ON))
    [problem] = unset.problems
    assert "PORTAL_BASE_URL" in problem and "http://localhost:8501" in problem
    assert "base_url in the [portal] table" in problem
    assert health.report(world.db, world.admin, settings=Settings(
        base_url="https://interviews.example.edu", **EMAIL_ON)).problems == ()
    assert health.report(world.db, world.admin, settings=Settings(base_url="")).problems == (), \
        "email off: no email links anywhere"


def test_portal_health_prints_the_problem(tmp_path, monkeypatch, capsys):
    from core.config import get_settings
    from core.store.db import Database
    from core.store.migrate import apply_migrations

    path = tmp_path / "portal.duckdb"
    made = Database(path)
    apply_migrations(made)
    made.close()
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("PORTAL_DB_PATH", str(path))
    monkeypatch.setenv("PORTAL_SMTP_HOST", "mail.example.edu")
    monkeypatch.setenv("PORTAL_SMTP_FROM", "portal@example.edu")
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert health.main([]) == 0
        out = capsys.readouterr().out
        assert out.startswith("PROBLEM") and "Set PORTAL_BASE_URL" in out
        monkeypatch.setenv("PORTAL_BASE_URL", "https://interviews.example.edu")
        get_settings.cache_clear()
        assert health.main([]) == 0
        assert "PROBLEM" not in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
