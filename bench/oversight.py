"""Counselor dashboard and career-office exports at institution size: prints times and peak memory.

For 1,000 students (a counselor with four cohorts) and 10,000 students (an admin, all 40 cohorts):
- the dashboard page rendered by AppTest (median of several runs, the Students tab as first opened),
- the dashboard's SQL alone (core.oversight.dashboard.cohort_dashboard, median),
- each CSV export written to a file the way the command line does it (the portal's download route
  makes the same file), beside DuckDB's bare COPY of the same rows (the floor), and how much the
  process's resident memory grew (the kernel's figure, which sees DuckDB's memory too).
  bench/download.py measures the portal server itself while a download goes through the browser.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.dataset import BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight.dashboard import cohort_dashboard
from core.oversight.export import KINDS, write_csv
from core.store.db import get_database

ROOT = Path(__file__).resolve().parents[1]


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _rss_growth(fn) -> int:
    """How far the resident memory rose above where it started while fn ran (the kernel's peak,
    reset first), which sees DuckDB's memory as well as Python's."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status("VmRSS")
    fn()
    return _status("VmHWM") - before


def _copy_floor(db, actor, kind: str, out: Path) -> float:
    """DuckDB's own COPY of the same rows to a file, without the portal's cell rules: the floor."""
    from core.oversight.export import _activity_query, _pipeline_query, _progress_query

    query = {"progress": lambda cur: _progress_query(cur, actor, None, None, None, NOW),
             "pipeline": lambda cur: _pipeline_query(actor, None, None, None, NOW, False),
             "activity": lambda cur: _activity_query(actor, None, None, None, False)}[kind]
    with db.cursor() as cur:
        sql, params = query(cur)
    start = time.perf_counter()
    with db.cursor() as cur:
        cur.execute(f"COPY ({sql}) TO '{out}' (FORMAT csv, HEADER)", params)
    return time.perf_counter() - start


def _render(user_id: int) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import sign_in_state
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()  # each page runs on its own here, as in the page tests

    at = AppTest.from_file(str(ROOT / "pages" / "counselor_home.py"), default_timeout=300)
    sign_in_state(at, user_id)
    at.session_state["counselor_home_cohort"] = -1  # all of the actor's cohorts
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)


def main() -> None:
    """Build the dataset in a temporary directory and print the figures."""
    from core.config import get_settings

    with tempfile.TemporaryDirectory(prefix="bench-oversight-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        start = time.perf_counter()
        counts = build(path)
        print(f"dataset: {counts['users']:,} users, {counts['cohorts']} cohorts, {counts['contacts']:,} contacts, "
              f"{counts['events']:,} events, built in {time.perf_counter() - start:.1f} s")
        os.environ.update(PORTAL_DB_PATH=str(path), PORTAL_SECRETS_FILE=str(Path(tmp) / "none.toml"))
        get_settings.cache_clear()
        db = get_database(path)  # the same handle the page's ui.db opens
        scopes = [("1,000 students (counselor, 4 cohorts)", BENCH_COUNSELOR, 5),
                  ("10,000 students (admin, 40 cohorts)", BENCH_ADMIN, 3)]
        for label, username, runs in scopes:
            user_id = user_id_for_username(db, username)
            actor = load_actor(db, user_id)
            rows = cohort_dashboard(db, actor, now=NOW)
            print(f"\n{label}: {len(rows):,} dashboard rows")
            _render(user_id)  # warm-up: imports, the page's first compile
            print(f"  dashboard page (AppTest)  median of {runs}: {_median(lambda: _render(user_id), runs):7.3f} s")
            print("  dashboard SQL alone       median of 5: "
                  f"{_median(lambda: cohort_dashboard(db, actor, now=NOW), 5):7.3f} s")
            for kind in KINDS:
                out = Path(tmp) / f"{kind}.csv"

                def to_file() -> int:
                    with open(out, "wb") as handle:
                        return write_csv(db, actor, kind, handle, now=NOW)

                seconds = _median(to_file, 1)
                written = out.stat().st_size
                lines = sum(1 for _ in open(out, encoding="utf-8-sig")) - 1
                floor = _copy_floor(db, actor, kind, Path(tmp) / f"{kind}-floor.csv")
                to_file_rss = _rss_growth(to_file)
                print(f"  export {kind:<9} {written / 1e6:7.1f} MB, {lines:,} lines: {seconds:6.2f} s "
                      f"(DuckDB's bare COPY {floor:5.2f} s, ×{seconds / floor:.1f}); resident memory grew "
                      f"{to_file_rss / 1e6:6.1f} MB")
        db.close()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nprocess peak resident memory over the whole benchmark: {rss:,.0f} MB")


if __name__ == "__main__":
    main()
