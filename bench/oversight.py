"""Counselor dashboard and career-office exports at institution size: prints times and peak memory.

For 1,000 students (a counselor with four cohorts) and 10,000 students (an admin, all 40 cohorts):
- the dashboard page rendered by AppTest (median of several runs, the Students tab as first opened),
- the dashboard's SQL alone (core.dashboard.cohort_dashboard, median),
- each CSV export written to a file the way the command line does it (time, then peak Python
  memory measured in a second run under tracemalloc, which slows Python down, hence two runs),
- the portal's download path (the whole file as bytes) for comparison of memory.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.dataset import BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.accounts import load_actor, user_id_for_username
from core.db import get_database
from core.dashboard import cohort_dashboard
from core.export import KINDS, export_bytes, write_csv

ROOT = Path(__file__).resolve().parents[1]


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(fn) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _render(user_id: int) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "counselor_home.py"), default_timeout=300)
    at.session_state["actor_id"] = user_id
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
            print(f"  dashboard SQL alone       median of 5: {_median(lambda: cohort_dashboard(db, actor, now=NOW), 5):7.3f} s")
            for kind in KINDS:
                out = Path(tmp) / f"{kind}.csv"

                def to_file() -> int:
                    with open(out, "wb") as handle:
                        return write_csv(db, actor, kind, handle, now=NOW)

                seconds = _median(to_file, 1)
                peak, written = _peak(to_file)
                lines = sum(1 for _ in open(out, encoding="utf-8-sig")) - 1
                portal_peak, _ = _peak(lambda: export_bytes(db, actor, kind, now=NOW))
                print(f"  export {kind:<9} {written / 1e6:7.1f} MB, ~{lines:,} lines: {seconds:6.2f} s, "
                      f"peak Python memory {peak / 1e6:6.1f} MB streamed to a file "
                      f"({portal_peak / 1e6:.1f} MB as the portal's download bytes)")
        db.close()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nprocess peak resident memory over the whole benchmark: {rss:,.0f} MB")


if __name__ == "__main__":
    main()
