"""Benchmark: parse and import a LinkedIn Connections.csv of N rows (default 10,000); prints rows/second.

    .venv/bin/python -m bench.linkedin_import [rows]
"""

from __future__ import annotations

import sys
import time

from core.admin.library import load_library
from core.campaign.linkedin_import import import_connections, parse_connections
from core.identity.access import SYSTEM
from core.identity.accounts import create_user
from core.models import Actor, Role, UserCreate
from core.store.db import Database
from core.store.migrate import apply_migrations

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def make_file(n: int) -> bytes:
    """A real-shaped export: BOM, three Notes lines, quoted commas, blank emails."""
    rows = "".join(f'Person{i},Surname{i},https://www.linkedin.com/in/p{i},{"" if i % 3 else f"p{i}@example.org"},'
                   f'"Org {i % 300}, Inc.",Analyst {i % 40},{1 + i % 28} Mar 2024\n' for i in range(n))
    return ("\ufeffNotes:\n\"Some email addresses may be missing.\"\n\n" + HEADER + rows).encode()


def main(n: int = 10_000) -> None:
    db = Database(":memory:")
    apply_migrations(db)
    load_library(db)
    user = create_user(db, SYSTEM, UserCreate(username="bench", email="bench@example.edu", first_name="Bench",
                                              last_name="Student", role=Role.STUDENT, password="Bench-pass-1!"),
                       rounds=4)
    actor = Actor(user.id, Role.STUDENT, "Bench Student")
    data = make_file(n)
    t0 = time.perf_counter()
    parsed = parse_connections(data)
    t1 = time.perf_counter()
    result = import_connections(db, actor, parsed)
    t2 = time.perf_counter()
    print(f"linkedin import: {n} rows, {len(data) / 1e6:.1f} MB")
    print(f"  parse   {t1 - t0:6.2f} s  {n / (t1 - t0):10,.0f} rows/s")
    print(f"  import  {t2 - t1:6.2f} s  {result.imported / (t2 - t1):10,.0f} rows/s")
    print(f"  total   {t2 - t0:6.2f} s  {n / (t2 - t0):10,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
