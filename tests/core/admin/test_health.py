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
