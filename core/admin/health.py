"""The portal's health: problems in its settings to fix, schema version, row counts per table, and the
database's size.

    portal health      print the report for the configured database (on DuckDB: portal stopped;
                       on PostgreSQL: any time)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.admin.backup import open_for_command
from core.config import LOCAL_ADDRESS, Settings, get_settings
from core.identity.access import SYSTEM, active_only, require_role
from core.models import Actor, Role
from core.store import dialect
from core.store.commands import command
from core.store.db import Database, rows, scalar
from core.store.migrate import schema_version


@dataclass(frozen=True)
class HealthReport:
    """What the Health page and `portal health` show."""

    schema_version: int
    migrations: list[dict]
    row_counts: dict[str, int]
    database_path: str
    file_bytes: int | None
    wal_bytes: int | None
    duckdb_version: str
    # Which store holds the data and its version: "DuckDB 2.0.0", "PostgreSQL 15.8".
    store: str = ""
    # What in the settings the career office must fix, each said with the setting to change (see problems()).
    problems: tuple[str, ...] = ()


BASE_URL_MISSING = (
    "Email is on, but the portal's public address is not set, so every link in every email points at "
    f"{LOCAL_ADDRESS}, which the people who receive them cannot open. Set PORTAL_BASE_URL (or base_url in the "
    "[portal] table of the secrets file) to the address people open the portal at, such as "
    "https://interviews.example.edu, and restart the portal.")


def problems(settings: Settings | None = None) -> tuple[str, ...]:
    """What in the portal's settings the career office must fix, in words that name the setting."""
    settings = settings or get_settings()
    return (BASE_URL_MISSING,) if settings.emails_link_nowhere else ()


def file_sizes(path: str) -> tuple[int | None, int | None]:
    """Bytes of the database file and of its write-ahead log (None: in memory or absent)."""
    if path == ":memory:":
        return None, None
    main, wal = Path(path), Path(path + ".wal")
    return (main.stat().st_size if main.exists() else None, wal.stat().st_size if wal.exists() else None)


@active_only
def report(db: Database, actor: Actor, *, settings: Settings | None = None) -> HealthReport:
    """The health report of this database and of the portal's settings (admins only)."""
    require_role(actor, Role.ADMIN)
    version = schema_version(db)
    with db.cursor() as cur:
        tables = [r["table_name"] for r in rows(
            cur, """SELECT table_name FROM information_schema.tables
                    WHERE table_catalog = current_database() AND table_schema = current_schema()
                      AND table_type = 'BASE TABLE'
                    ORDER BY table_name""")]
        # Table names come from the catalog, never from a user, so quoting them is enough.
        counts = {t: int(scalar(cur, f'SELECT count(*) FROM "{t}"')) for t in tables}
        migrations = rows(cur, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        if dialect.is_postgres(db):
            main, wal = int(scalar(cur, "SELECT pg_database_size(current_database())")), None
            store = "PostgreSQL " + str(scalar(cur, "SHOW server_version")).split()[0]
        else:
            main, wal = file_sizes(db.path)
            store = f"DuckDB {duckdb.__version__}"
    return HealthReport(version, migrations, counts, db.path, main, wal, duckdb.__version__, store,
                        problems(settings))


def human_bytes(size: int | None) -> str:
    """1536 -> '1.5 KiB'."""
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: print the health report of the configured database."""
    argparse.ArgumentParser(prog="portal health", description=__doc__.splitlines()[0]).parse_args(argv)
    path = get_settings().database_location
    if not dialect.is_postgres_url(path) and not Path(path).exists():
        print(f"{path}: no database yet (run `make run` or `make setup-production`).", file=sys.stderr)
        return 1
    db = open_for_command(path)
    if db is None:
        return 2
    try:
        r = report(db, SYSTEM)
    finally:
        db.close()
    for problem in r.problems:
        print(f"PROBLEM         {problem}")
    print(f"database        {r.database_path}")
    print(f"size            {human_bytes(r.file_bytes)} (write-ahead log {human_bytes(r.wal_bytes)})")
    print(f"schema version  {r.schema_version:04d}   {r.store}")
    for table, n in r.row_counts.items():
        print(f"  {table:<22}{n:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
