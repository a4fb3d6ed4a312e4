"""The counselor's cockpit as first opened: the dashboard page for a counselor with four cohorts
(1,000 students, all shown together) beside an empty counselor page, in a portal of 10,000 and of
100,000 students (bench/dataset.build). Goals: within 2× the empty page, and flat (at most 1.2×)
as the institution around the counselor grows.

    .venv/bin/python -m bench.cockpit                    # 10,000 and 100,000 students
    BENCH_SIZES=10000 .venv/bin/python -m bench.cockpit
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench import median_time, quiet_apptest
from bench.dataset import BENCH_COUNSELOR, NOW, build
from core.identity.accounts import user_id_for_username
from core.oversight.cockpit import needs_me
from core.oversight.dashboard import dashboard_frame
from core.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
EMPTY_PAGE = '''
import streamlit as st
from core.models import Role
from ui.guard import require
db, actor = require(Role.COUNSELOR, Role.ADMIN)
st.title("Empty")
'''


def _measure(path: Path, tmp: Path) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from core.config import get_settings
    from core.identity.accounts import load_actor
    from tests.apptest_utils import sign_in_state
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()  # each page runs on its own here, as in the page tests
    os.environ.update(PORTAL_DB_PATH=str(path), PORTAL_SECRETS_FILE=str(tmp / "none.toml"))
    get_settings.cache_clear()
    db = Database(path)
    counselor_id = user_id_for_username(db, BENCH_COUNSELOR)
    counselor = load_actor(db, counselor_id)
    board = dashboard_frame(db, counselor, now=NOW)
    found = {"students": len(board), "needing": len(needs_me(db, counselor, board=board, now=NOW))}
    timed = {
        "dashboard rows (SQL)": median_time(lambda: dashboard_frame(db, counselor, now=NOW), RUNS),
        "who needs me": median_time(lambda: needs_me(db, counselor, board=board, now=NOW), RUNS),
    }
    db.close()
    empty = tmp / "empty_page.py"
    empty.write_text(EMPTY_PAGE)

    def render(script: Path) -> None:
        at = AppTest.from_file(str(script), default_timeout=300)
        sign_in_state(at, counselor_id)
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    timed["empty page"] = median_time(lambda: render(empty), RUNS)
    timed["cockpit page"] = median_time(lambda: render(ROOT / "pages" / "counselor_home.py"), RUNS)
    return {**timed, **found}


def main() -> None:
    """Build each size, time the cockpit and an empty page, print them with the ratios."""
    quiet_apptest()
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-cockpit-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"institution-{n}.duckdb"
            build(path, students=n, cohorts=max(1, n // 250))
            results[n] = _measure(path, Path(tmp))
            r = results[n]
            print(f"{n:,} students in the portal; the counselor's {r['students']:,} students, "
                  f"{r['needing']:,} needing them this week", flush=True)
    names = ["dashboard rows (SQL)", "who needs me", "empty page", "cockpit page"]
    print(f"\n{'median, ms':<22}" + "".join(f"{n:>12,}" for n in sizes)
          + ("   ×10k" if len(sizes) > 1 else "") + "   × empty page")
    for name in names:
        line = f"{name:<22}" + "".join(f"{results[n][name] * 1000:12.1f}" for n in sizes)
        if len(sizes) > 1:
            line += f"   {results[sizes[-1]][name] / results[sizes[0]][name]:5.2f}"
        if name == "cockpit page":
            line += "   " + " ".join(f"{results[n][name] / results[n]['empty page']:5.2f}" for n in sizes)
        print(line)
    print("goals: the cockpit page within 2× an empty page; flat (at most 1.2×) as the institution grows")


if __name__ == "__main__":
    main()
