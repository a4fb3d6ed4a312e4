"""The student's Targets page at 15, 200 and 2,000 contacts, rendered by AppTest; prints the times side
by side and the ratio 200/15 (the goal: at most 1.5, the page stays as quick with a LinkedIn import).

    .venv/bin/python -m bench.targets_page
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from core.admin.library import load_library
from core.campaign.contacts import add_focus_occupation, list_contacts
from core.campaign.linkedin_import import import_connections, parse_connections
from core.identity.access import SYSTEM
from core.identity.accounts import create_user
from core.models import Actor, Role, UserCreate
from core.store.db import get_database
from core.store.migrate import apply_migrations

ROOT = Path(__file__).resolve().parents[1]
SIZES = (15, 200, 2000)
RUNS = 5
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _connections(n: int) -> bytes:
    rows = "".join(f"Person{i},Surname{i},https://www.linkedin.com/in/p{i},,\"Org {i % 60}, Inc.\",Analyst {i % 9},"
                   f"{1 + i % 28} Mar 2024\n" for i in range(n))
    return ("Notes:\n\"Some email addresses may be missing.\"\n\n" + HEADER + rows).encode()


def _student(db, n: int) -> int:
    user = create_user(db, SYSTEM, UserCreate(username=f"bench{n}", email=f"bench{n}@example.edu", first_name="Bench",
                                              last_name=f"Student{n}", role=Role.STUDENT, password="Bench-pass-1!"),
                       rounds=4)
    actor = Actor(user.id, Role.STUDENT, user.full_name)
    occupation = add_focus_occupation(db, actor, "Public health")
    import_connections(db, actor, parse_connections(_connections(n)), focus_occupation_id=occupation)
    assert len(list_contacts(db, actor)) == n
    return user.id


def _render(user_id: int) -> float:
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import sign_in_state
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()  # each page runs on its own here, as in the page tests

    at = AppTest.from_file(str(ROOT / "pages" / "student_targets.py"), default_timeout=300)
    sign_in_state(at, user_id)
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return seconds


def main() -> None:
    """Build one student per size in a temporary database and print the page's median render time."""
    from core.config import get_settings

    with tempfile.TemporaryDirectory(prefix="bench-targets-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        db = get_database(path)  # the same handle the page's ui.db opens
        apply_migrations(db)
        load_library(db)
        students = {n: _student(db, n) for n in SIZES}
        os.environ.update(PORTAL_DB_PATH=str(path), PORTAL_SECRETS_FILE=str(Path(tmp) / "none.toml"))
        get_settings.cache_clear()
        for uid in students.values():
            _render(uid)  # warm-up: imports, the page's first compile, each student's first query
        # Sizes take turns, so a slow moment on a shared machine does not land on one size only.
        times: dict[int, list[float]] = {n: [] for n in SIZES}
        for _ in range(RUNS):
            for n, uid in students.items():
                times[n].append(_render(uid))
        medians = {n: statistics.median(t) for n, t in times.items()}
        print(f"Targets page (AppTest, median of {RUNS}): "
              + "   ".join(f"{n:>5,} contacts {medians[n]:6.3f} s" for n in SIZES))
        print(f"  ratio 200/15: {medians[200] / medians[15]:.2f} (goal <= 1.5)   "
              f"ratio 2,000/15: {medians[2000] / medians[15]:.2f}")
        db.close()


if __name__ == "__main__":
    main()
