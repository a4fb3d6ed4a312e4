"""Numbered, append-only SQL migrations, each applied with its hash in one transaction.

Run `portal migrate` to apply pending ones.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from core.config import get_settings
from core.errors import MigrationError
from core.rules.facts import VIEWS, refresh_everyone
from core.store import dialect
from core.store.commands import command, database_problem
from core.store.db import Cursor, Database, open_database, row

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TWIN = re.compile(r"^(\d{4}_[a-z0-9_]+)\.postgres\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR, store: str = dialect.DUCKDB) -> list[Migration]:
    """The migration files of a folder for a store, in version order; duplicate numbers are an error.

    On PostgreSQL a `NNNN_words.postgres.sql` twin, where there is one, stands in for
    `NNNN_words.sql` under the same name (see core/store/migrations/__init__.py)."""
    found: dict[int, Migration] = {}
    twins: dict[str, Path] = {}
    for path in sorted(directory.glob("*.postgres.sql")):
        twin = _TWIN.match(path.name)
        if not twin or not (directory / f"{twin.group(1)}.sql").exists():
            raise MigrationError(f"{path.name}: a PostgreSQL twin is named after its migration, "
                                 "NNNN_words.postgres.sql")
        twins[f"{twin.group(1)}.sql"] = path
    for path in sorted(directory.glob("*.sql")):
        if path.name.endswith(".postgres.sql"):
            continue
        found_path = twins.get(path.name, path) if store == dialect.POSTGRES else path
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_words.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"two migrations share number {version:04d}")
        found[version] = Migration(version, path.name, found_path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def _ensure_ledger(cur: Cursor) -> None:
    cur.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY,
               name VARCHAR NOT NULL,
               sha256 VARCHAR NOT NULL,
               applied_at TIMESTAMP NOT NULL)"""
    )


def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; return the names applied. Edited applied files are refused."""
    db.transaction(_ensure_ledger)
    applied: list[str] = []
    for migration in discover(directory, db.store):
        with db.cursor() as cur:
            recorded = row(cur, "SELECT name, sha256 FROM schema_migrations WHERE version = ?", [migration.version])
        if recorded is not None:
            if recorded["sha256"] != migration.sha256:
                raise MigrationError(
                    f"{migration.name} was edited after it was applied; migrations are append-only: "
                    "add a new numbered file instead"
                )
            continue

        def work(cur: Cursor, m: Migration = migration) -> None:
            cur.execute(m.sql)
            cur.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                [m.version, m.name, m.sha256, datetime.now(timezone.utc).replace(tzinfo=None)],
            )

        try:
            db.transaction(work)
        except MigrationError:
            raise
        except Exception as exc:
            raise MigrationError(f"{migration.name} failed and was rolled back: {exc}") from exc
        applied.append(migration.name)
    db.transaction(_refresh_views)
    if any(name.startswith(KEPT_FIGURES_MIGRATION) for name in applied):
        rebuild_kept_figures(db)  # fill the new tables from what is already recorded
    return applied


KEPT_FIGURES_MIGRATION = "0011_"


def rebuild_kept_figures(db: Database) -> None:
    """Recompute every student's kept figures from the records (core/rules/facts.py KEPT); nothing is left
    waiting in figures_stale."""
    db.transaction(refresh_everyone)


def _refresh_views(cur: Cursor) -> None:
    """The convenience views of core/rules/facts.py, recreated from the one definition on every run."""
    for sql in VIEWS:
        cur.execute(sql)


def schema_version(db: Database) -> int:
    """The highest applied migration number (0 for an empty database)."""
    with db.cursor() as cur:
        _ensure_ledger(cur)
        found = row(cur, "SELECT max(version) AS v FROM schema_migrations")
    return int(found["v"] or 0) if found else 0


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: apply pending migrations to the configured database; with --rebuild-figures,
    also recompute every student's kept figures from the records."""
    import argparse

    parser = argparse.ArgumentParser(prog="portal migrate", description=main.__doc__)
    parser.add_argument("--rebuild-figures", action="store_true",
                        help="recompute every student's kept dashboard figures from the records")
    args = parser.parse_args(argv or [])
    settings = get_settings()
    try:
        db = open_database(settings.database_location)
    except dialect.DATABASE_ERRORS as exc:
        print(database_problem(settings.database_location, exc), file=sys.stderr)
        return 1
    try:
        names = apply_migrations(db)
        if args.rebuild_figures:
            rebuild_kept_figures(db)
            print("every student's figures recomputed from the records")
    except MigrationError as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"{db.path}: " + (f"applied {', '.join(names)}" if names else "schema up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
