"""A student's records on the demo (seeds/demo.py): the archive of the demo's busiest student (the most rows
across the archive's tables), its size and the time to make it, the time to erase that student, and the
search a canary test makes afterwards: every text and binary column of every table, for the student's name,
username and email (how many tables and columns it covered, and what it found: nothing, or the erasure is
wrong). On DuckDB, then on the same demo moved into a throwaway PostgreSQL cluster (core.store.transfer).

    .venv/bin/python -m bench.records
    BENCH_POSTGRES=0 .venv/bin/python -m bench.records      # DuckDB only
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

from core.identity.accounts import load_actor
from core.models import Actor, Role
from core.oversight import records
from core.store.db import Database, open_database, scalar
from core.store.transfer import columns, tables, transfer
from seeds.demo import seed_demo

TEXT_TYPES = ("VARCHAR", "TEXT", "CHARACTER VARYING")


def _search(db: Database, needles: list[str]) -> tuple[int, int, list[str]]:
    """(tables, columns searched, column names where a needle was found)."""
    searched_tables, searched_columns, hits = 0, 0, []
    with db.cursor() as cur:
        for table in tables(cur):
            searched_tables += 1
            for name, kind in columns(cur, table):
                if kind.upper() in TEXT_TYPES:
                    searched_columns += 1
                    for needle in needles:
                        if scalar(cur, f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{name}"), lower(?)) > 0',
                                  [needle]):
                            hits.append(f"{table}.{name} ({needle})")
                elif kind.upper() in ("BLOB", "BYTEA"):
                    searched_columns += 1
                    found = cur.execute(f'SELECT "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL').fetchall()
                    for (value,) in found:
                        hits += [f"{table}.{name} ({n})" for n in needles if n.lower().encode() in bytes(value).lower()]
    return searched_tables, searched_columns, hits


def _measure(db, store: str) -> None:
    with db.cursor() as cur:
        admin_id = scalar(cur, "SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 1")
        students = [r[0] for r in cur.execute("SELECT id FROM users WHERE role = 'student' ORDER BY id").fetchall()]
    admin = load_actor(db, admin_id)
    sizes = {s: sum(len(v) for v in records.archive_tables(db, admin, s, record=False).values()) for s in students}
    busiest = max(sizes, key=sizes.get)
    with db.cursor() as cur:
        person = cur.execute("SELECT first_name, last_name, username, email FROM users WHERE id = ?",
                             [busiest]).fetchone()
    print(f"{store}: {len(students)} students; the busiest, {person[2]}, has {sizes[busiest]:,} rows in the archive")

    student = Actor(busiest, Role.STUDENT, f"{person[0]} {person[1]}")
    for who, actor in (("the student's own", student), ("the career office's", admin)):
        start = time.perf_counter()
        made = records.archive_zip(db, actor, busiest)
        took = time.perf_counter() - start
        files = len(zipfile.ZipFile(io.BytesIO(made)).namelist())
        print(f"  archive ({who} copy): {len(made):,} bytes zipped, {files} files, made in {took * 1000:.0f} ms")

    start = time.perf_counter()
    done = records.erase_student(db, admin, busiest, typed_name=f"{person[0]} {person[1]}", export_dir="")
    took = time.perf_counter() - start
    print(f"  erasure: {done.total:,} rows changed or removed on {len(done.rows)} tables in {took * 1000:.0f} ms")

    start = time.perf_counter()
    searched, cols, hits = _search(db, [f"{person[0]} {person[1]}", person[2], person[3]])
    took = time.perf_counter() - start
    print(f"  search after erasure: {searched} tables, {cols} text and binary columns, in {took:.1f} s: "
          + ("nothing found" if not hits else "FOUND " + ", ".join(hits)))


def main() -> None:
    """The demo on DuckDB, and (BENCH_POSTGRES=1, the default) the same demo moved to a throwaway PostgreSQL."""
    with tempfile.TemporaryDirectory() as folder:
        duck = Database(Path(folder) / "demo.duckdb")
        seed_demo(duck, rounds=4)
        cluster = pg = None
        if os.environ.get("BENCH_POSTGRES", "1") != "0":
            import psycopg

            from tests.pg_cluster import Cluster

            cluster = Cluster()
            with psycopg.connect(cluster.url(), autocommit=True) as owner:
                owner.execute('CREATE DATABASE "records"')
            pg = open_database(cluster.url("records"))
            transfer(duck, pg)
        try:
            _measure(duck, "DuckDB")
            if pg is not None:
                _measure(pg, "PostgreSQL")
        finally:
            duck.close()
            if pg is not None:
                pg.close()
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
