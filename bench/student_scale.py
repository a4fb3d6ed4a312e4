"""A student's own queries and pages as the institution grows: the same student (the same contacts
and meetings) in a portal of 10,000 and of 100,000 students (bench/dataset.build). What a student
sees should cost what their own work costs, not what everyone's does.

Prints, per size, the median time of each core query a student's pages make (stage counts, the
contact list, the Targets table, goal pacing, the to-do list, one contact's thank-you status) and
of the Home, Targets and Meetings pages in AppTest beside an empty page (a page that only signs the
student in and prints a title, the floor every page pays), then the ratios 100k/10k (goal: at most
1.2, flat) and page/empty (goal: within 2).

    .venv/bin/python -m bench.student_scale            # 10,000 and 100,000 students
    BENCH_SIZES=10000 .venv/bin/python -m bench.student_scale
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench import median_time, quiet_apptest
from bench.dataset import BASE, NOW, build
from core.campaign.contacts import list_contacts, stage_counts, target_table
from core.campaign.thanks import thank_you_status
from core.campaign.todo import todo_list
from core.identity.accounts import load_actor
from core.oversight.progress import goal_progress
from core.store.db import get_database

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
# A student of the first cohort with a full pipeline (the generator gives student 7 a dozen contacts).
STUDENT = BASE + 7
EMPTY_PAGE = '''
import streamlit as st
from core.models import Role
from ui.guard import require
db, actor = require(Role.STUDENT)
st.title("Empty")
'''


def _queries(db) -> dict[str, float]:
    me = load_actor(db, STUDENT)
    contact = list_contacts(db, me)[0]["id"]
    return {
        "stage counts": median_time(lambda: stage_counts(db, me), RUNS),
        "contact list": median_time(lambda: list_contacts(db, me), RUNS),
        "targets table": median_time(lambda: target_table(db, me), RUNS),
        "goal pacing": median_time(lambda: goal_progress(db, me, STUDENT, now=NOW), RUNS),
        "to-do list": median_time(lambda: todo_list(db, me, now=NOW), RUNS),
        "thank-you status": median_time(lambda: thank_you_status(db, me, contact, now=NOW), RUNS),
    }


def _pages(path: Path, tmp: Path) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import sign_in_state
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()  # each page runs on its own here, as in the page tests

    from core.config import get_settings

    os.environ.update(PORTAL_DB_PATH=str(path), PORTAL_SECRETS_FILE=str(tmp / "none.toml"))
    get_settings.cache_clear()
    empty = tmp / "empty_page.py"
    empty.write_text(EMPTY_PAGE)

    def render(script: Path) -> None:
        at = AppTest.from_file(str(script), default_timeout=300)
        sign_in_state(at, STUDENT)
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    pages = {"empty page": empty, "Home": ROOT / "pages" / "student_home.py",
             "Targets": ROOT / "pages" / "student_targets.py", "Meetings": ROOT / "pages" / "student_meetings.py"}
    return {name: median_time(lambda s=script: render(s), 5) for name, script in pages.items()}


def main() -> None:
    """Build each size, time the student's queries and pages, print them side by side with the ratios."""
    quiet_apptest()
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        for n in sizes:
            path = tmp / f"institution-{n}.duckdb"
            start = time.perf_counter()
            counts = build(path, students=n, cohorts=max(1, n // 250))
            print(f"{n:,} students: {counts['contacts']:,} contacts, {counts['events']:,} events "
                  f"(built in {time.perf_counter() - start:.0f} s)", flush=True)
            db = get_database(path)
            results[n] = {**_queries(db), **_pages(path, tmp)}
            db.close()
    names = list(results[sizes[0]])
    print(f"\n{'median, ms':<18}" + "".join(f"{n:>12,}" for n in sizes)
          + ("   ratio" if len(sizes) > 1 else "") + "   × empty page")
    for name in names:
        line = f"{name:<18}" + "".join(f"{results[n][name] * 1000:12.1f}" for n in sizes)
        if len(sizes) > 1:
            line += f"   {results[sizes[-1]][name] / results[sizes[0]][name]:5.2f}"
        if name in ("Home", "Targets", "Meetings"):
            line += "   " + "  ".join(f"{results[n][name] / results[n]['empty page']:4.2f}" for n in sizes)
        print(line)
    print("goals: ratio <= 1.2 (a student's cost flat as the institution grows); pages within 2× an empty page")


if __name__ == "__main__":
    main()
