"""Move a whole portal between the two stores: a DuckDB file and a PostgreSQL database, either way.

    portal transfer --from data/portal.duckdb --to postgresql://portal@db.example.edu/portal
    portal transfer --from postgresql://portal@db.example.edu/portal --to data/portal.duckdb

The target is migrated to the same schema (its own store's spelling of each migration), then every
table is copied from one snapshot of the source, in one transaction of the target. Before that
transaction commits, each table's row count and checksum (of every row's values, in any order) are
compared with the source's; any difference rolls the whole copy back. Text PostgreSQL cannot hold (a NUL
character, which a DuckDB portal may have stored before the portal refused it) is removed on the way, and the
rows so cleaned are counted and reported per table. A target that holds any data
is refused: a transfer never merges two portals. Stop the portal first when the source is a DuckDB
file (it is locked while the portal runs).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.errors import TransferError
from core.store import dialect
from core.store.commands import command
from core.store.db import Database, PostgresDatabase, open_database, redact_url, rows_table, scalar
from core.store.migrate import apply_migrations, discover

BATCH = 5000
"""Rows per INSERT statement (one array parameter per column)."""

_LEDGER = "schema_migrations"


@dataclass(frozen=True)
class TableCopy:
    """One table as copied: its rows and the checksum both stores agreed on."""

    table: str
    rows: int
    checksum: str
    cleaned: int = 0
    """Rows of the table whose text held a NUL, removed on the way (PostgreSQL cannot store it)."""


_JSON_NUL = "\\u0000"
"""A NUL written inside JSON text (PostgreSQL's jsonb refuses it as it refuses the character itself)."""


def _clean(value: Any) -> Any:
    """A value as both stores can hold it: text without NUL (nor a NUL escaped in JSON text)."""
    if isinstance(value, str) and ("\x00" in value or _JSON_NUL in value):
        return value.replace("\x00", "").replace(_JSON_NUL, "")
    return value


def tables(cur: Any) -> list[str]:
    """The portal's tables in a database (its own schema's base tables), by name."""
    return [r[0] for r in cur.execute(
        """SELECT table_name FROM information_schema.tables
           WHERE table_catalog = current_database() AND table_schema = current_schema()
             AND table_type = 'BASE TABLE' ORDER BY table_name""").fetchall()]


def columns(cur: Any, table: str) -> list[tuple[str, str]]:
    """A table's columns in order, with their SQL types as the store names them."""
    return [(r[0], r[1]) for r in cur.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = ?
           ORDER BY ordinal_position""", [table]).fetchall()]


def _value_text(value: Any) -> str:
    """A value written the same way whichever store returned it."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def checksum(cur: Any, table: str, names: list[str]) -> tuple[int, str]:
    """A table's row count and an order-independent checksum of its rows (the sum of each row's hash), of the
    rows as a transfer writes them (text without NUL)."""
    listed = ", ".join(f'"{n}"' for n in names)
    count, total = 0, 0
    for chunk in dialect.batches(cur, f'SELECT {listed} FROM "{table}"', BATCH):
        for values in chunk:
            digest = hashlib.sha256("\x1f".join(_value_text(_clean(v)) for v in values).encode("utf-8")).digest()
            total = (total + int.from_bytes(digest[:16], "big")) % (1 << 128)
            count += 1
    return count, f"{total:032x}"


def _holds_data(cur: Any) -> str | None:
    """The first table of the target that has a row (the migration ledger aside), or None."""
    for table in tables(cur):
        if table != _LEDGER and scalar(cur, f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 1) AS t'):
            return table
    return None


def transfer(source: Database | PostgresDatabase, target: Database | PostgresDatabase) -> list[TableCopy]:
    """Copy every table of a migrated portal into an empty target of either store, verified per table."""
    expected = [m.version for m in discover()]
    with source.cursor() as cur:
        if _LEDGER not in tables(cur):
            raise TransferError(f"{source.path} is not a portal database (it has no migration ledger).")
        applied = [r[0] for r in cur.execute(f"SELECT version FROM {_LEDGER} ORDER BY version").fetchall()]
    if applied != expected:
        raise TransferError(f"{source.path} is not at this version's schema (applied {applied[-1:] or 'none'}, "
                            f"expected up to {expected[-1]}): run `portal migrate` on it first.")
    with target.cursor() as cur:
        busy = _holds_data(cur) if tables(cur) else None
    if busy is not None:
        raise TransferError(f"{target.path} is not empty (table {busy} has rows): give a new, empty database.")
    apply_migrations(target)

    with source.cursor() as src:
        dialect.begin_snapshot(src)
        try:
            return target.transaction(lambda dst: _copy_all(src, dst))
        finally:
            src.execute("ROLLBACK")


def _copy_all(src: Any, dst: Any) -> list[TableCopy]:
    names_in_source = set(tables(src))
    copied: list[TableCopy] = []
    highest_id = 0
    for table in tables(dst):
        if table == _LEDGER:
            continue  # each store keeps its own ledger (a twin migration has its own hash)
        if table not in names_in_source:
            raise TransferError(f"The source has no table {table}; migrate it first.")
        wanted = columns(dst, table)
        names = [n for n, _ in wanted]
        missing = set(names) - {n for n, _ in columns(src, table)}
        if missing:
            raise TransferError(f"The source's table {table} lacks {', '.join(sorted(missing))}; migrate it first.")
        dst.execute(f'DELETE FROM "{table}"')  # what the target's own migrations put there (derived rows)
        listed = ", ".join(f'"{n}"' for n in names)
        insert = f'INSERT INTO "{table}" ({listed}) SELECT * FROM ({rows_table(wanted)}) AS r'
        cleaned = 0
        for chunk in dialect.batches(src, f'SELECT {listed} FROM "{table}"', BATCH):
            clean_chunk = [tuple(_clean(v) for v in values) for values in chunk]
            cleaned += sum(1 for before, after in zip(chunk, clean_chunk, strict=True) if tuple(before) != after)
            dst.execute(insert, [list(column) for column in zip(*clean_chunk, strict=False)])
            if "id" in names:
                highest_id = max(highest_id, max((r[names.index("id")] or 0) for r in chunk))
        count, digest = checksum(src, table, names)
        copied_count, copied_digest = checksum(dst, table, names)
        if (count, digest) != (copied_count, copied_digest):
            raise TransferError(f"Table {table} did not verify ({count} rows and checksum {digest} in the source, "
                                f"{copied_count} and {copied_digest} in the target); nothing was kept.")
        copied.append(TableCopy(table, count, digest, cleaned))
    dialect.advance_sequence(dst, "id_seq", highest_id)
    return copied


def _shown(location: str) -> str:
    return redact_url(location) if dialect.is_postgres_url(location) else location


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: move a whole portal from one store to the other."""
    parser = argparse.ArgumentParser(prog="portal transfer", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="DuckDB file or postgresql:// URL to copy")
    parser.add_argument("--to", dest="target", required=True,
                        help="DuckDB file or postgresql:// URL to fill (must be empty)")
    args = parser.parse_args(argv)
    if not dialect.is_postgres_url(args.source):
        from pathlib import Path

        if not Path(args.source).is_file():
            raise SystemExit(f"{args.source}: no database file there.")
    source = open_database(args.source)
    try:
        target = open_database(args.target)
        try:
            copied = transfer(source, target)
        finally:
            target.close()
    finally:
        source.close()
    for c in copied:
        print(f"  {c.table:<30}{c.rows:>10,}  {c.checksum}")
    for c in copied:
        if c.cleaned:
            print(f"Table {c.table}: {c.cleaned:,} row{'s' if c.cleaned != 1 else ''} held a NUL character, which "
                  "PostgreSQL cannot store; it was removed from the copy (the source is unchanged).")
    print(f"Copied {len(copied)} tables, {sum(c.rows for c in copied):,} rows, from {_shown(args.source)} "
          f"to {_shown(args.target)}; every table's count and checksum verified.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
