"""The same workload on both stores, side by side: the embedded DuckDB file and PostgreSQL.

The benchmark institution (bench/dataset.build: 10,000 students, ~150,000 contacts) is built in a
DuckDB file and moved whole into a PostgreSQL database of a throwaway cluster (core.store.transfer, as
a career office would move), then on each store:

- the dashboard: a counselor's 1,000 students and the career office's 10,000 (median of runs);
- 50 students saving at once in one process, back to back (add a target, save research, draft the
  request, mark it sent; bench/concurrency.py's writers): write p50/p95, writes per second,
  conflicts retried and given up, and rows lost (what each writer was told it saved, counted
  again at the end: must be 0);
- the exports: progress and pipeline CSV of every cohort, written to a file (median of runs).

    .venv/bin/python -m bench.stores
    BENCH_SIZES=2000 BENCH_ROUNDS=2 .venv/bin/python -m bench.stores     # smaller and quicker
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench import median_time
from bench.concurrency import WRITERS, _pct, run_writers
from bench.dataset import BASE, BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight.dashboard import cohort_dashboard
from core.oversight.export import write_csv
from core.store.db import Database, open_database
from core.store.transfer import transfer

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def _measure(db, tmp: Path, students: int) -> dict[str, object]:
    counselor = load_actor(db, user_id_for_username(db, BENCH_COUNSELOR))
    admin = load_actor(db, user_id_for_username(db, BENCH_ADMIN))
    out: dict[str, object] = {
        "dashboard, 1,000 students": median_time(lambda: cohort_dashboard(db, counselor, now=NOW), RUNS),
        f"dashboard, {students:,} students": median_time(lambda: cohort_dashboard(db, admin, now=NOW), RUNS),
    }
    for kind in ("progress", "pipeline"):
        target = tmp / f"{kind}.csv"

        def export(kind: str = kind, target: Path = target) -> None:
            with open(target, "wb") as handle:
                write_csv(db, admin, kind, handle)

        out[f"{kind} export"] = median_time(export, max(1, RUNS // 2))
    # 50 different students spread over every cohort (the same ones on both stores).
    written = run_writers(db, [BASE + (i * (students // WRITERS) + 3) % students for i in range(WRITERS)], "st")
    out["writes"] = written
    return out


def main() -> None:
    """Build, move to PostgreSQL, measure each store, print them side by side."""
    from tests.pg_cluster import Cluster

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",")]
    cluster = Cluster()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-stores-") as name:
            tmp = Path(name)
            for n in sizes:
                path = tmp / f"institution-{n}.duckdb"
                counts = build(path, students=n, cohorts=max(1, n // 250))
                duck = Database(path)
                database = f"bench{n}"
                import psycopg

                with psycopg.connect(cluster.url(), autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{database}"')
                pg = open_database(cluster.url(database))
                start = time.perf_counter()
                transfer(duck, pg)
                moved = time.perf_counter() - start
                print(f"{n:,} students, {counts['contacts']:,} contacts, {counts['events']:,} events; "
                      f"moved to PostgreSQL in {moved:.0f} s (core.store.transfer, verified per table)", flush=True)
                results = {}
                for store, db in (("DuckDB", duck), ("PostgreSQL", pg)):
                    results[store] = _measure(db, tmp, n)
                    print(f"  measured {store}", flush=True)
                duck.close()
                pg.close()
                _print(results)
    finally:
        cluster.stop()


def _print(results: dict[str, dict[str, object]]) -> None:
    stores = list(results)
    print(f"\n{'median, ms':<34}" + "".join(f"{s:>14}" for s in stores))
    for name in [k for k in results[stores[0]] if k != "writes"]:
        print(f"{name:<34}" + "".join(f"{results[s][name] * 1000:14.0f}" for s in stores))
    print(f"\n{'50 writers, back to back':<34}" + "".join(f"{s:>14}" for s in stores))
    rows = {
        "write p50, ms": lambda w: f"{_pct(w['times'], 50) * 1000:.0f}",
        "write p95, ms": lambda w: f"{_pct(w['times'], 95) * 1000:.0f}",
        "writes per second": lambda w: f"{w['writes'] / w['elapsed']:.0f}",
        "conflicts retried": lambda w: str(w["retried"]),
        "conflicts given up": lambda w: str(w["given_up"]),
        "rows lost (must be 0)": lambda w: f"{w['lost']} of {w['saved']}",
        "errors": lambda w: str(len(w["errors"])),
    }
    for label, show in rows.items():
        print(f"{label:<34}" + "".join(f"{show(results[s]['writes']):>14}" for s in stores))
    for s in stores:
        for error in sorted(set(results[s]["writes"]["errors"]))[:3]:
            print(f"  {s} error: {error}")


if __name__ == "__main__":
    main()
