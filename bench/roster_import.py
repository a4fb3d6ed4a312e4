"""Roster import speed: preview and apply N students, and the cost of one password hash per bcrypt cost.

    .venv/bin/python bench/roster_import.py [N] [ROUNDS]      (defaults: 5000 rows, the one-time-password cost)

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.admin.cohorts import create_cohort  # noqa: E402
from core.admin.library import load_library  # noqa: E402
from core.admin.roster import apply, preview  # noqa: E402
from core.config import Settings  # noqa: E402
from core.identity.access import SYSTEM  # noqa: E402
from core.identity.accounts import hash_password  # noqa: E402
from core.models import CohortCreate  # noqa: E402
from core.store.db import Database  # noqa: E402
from core.store.migrate import apply_migrations  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else Settings().one_time_password_rounds
    db = Database(":memory:")
    apply_migrations(db)
    load_library(db)
    for name in ("Cohort A", "Cohort B"):
        create_cohort(db, SYSTEM, CohortCreate(name=name, term_start=date(2027, 1, 11), term_end=date(2027, 5, 7)))
    text = "first_name,last_name,email,cohort,student_id\n" + "\n".join(
        f"First{i},Last{i},s{i:06d}@example.edu,Cohort {'AB'[i % 2]},N{i:06d}" for i in range(n))
    t0 = time.perf_counter()
    plan = preview(db, SYSTEM, text.encode())
    t1 = time.perf_counter()
    marks: dict[str, float] = {}
    result = apply(db, SYSTEM, plan, rounds=rounds,
                   on_progress=lambda done, total: marks.update(hashed=time.perf_counter()) if done == total else None)
    t2 = time.perf_counter()
    print(f"roster rows                 {n}")
    print(f"preview                     {t1 - t0:8.2f} s")
    print(f"apply (bcrypt rounds={rounds:>2})    {t2 - t1:8.2f} s   ({len(result.created)} accounts)")
    print(f"  of which hashing          {marks['hashed'] - t1:8.2f} s")
    print(f"  of which the transaction  {t2 - marks['hashed']:8.2f} s")
    print(f"load average                {os.getloadavg()[0]:8.2f}   (figures scale with it)")
    for r in (4, 8, 12):
        start = time.perf_counter()
        hash_password("Abc-1234!", rounds=r)
        one = time.perf_counter() - start
        print(f"one hash at rounds={r:>2}       {one * 1000:8.1f} ms  -> {n} accounts ≈ {one * n / 60:6.1f} min")
    db.close()


if __name__ == "__main__":
    main()
