"""Exports at institution size: the time and resident-memory growth of each export, by the command
line (`core.oversight.export.main`, as `portal export` runs it) and by the portal's download path
(`export_file`, then read in 1 MB pieces as the route sends it; "download again" is a second one in
the same process, as in a portal that has exported before), beside DuckDB's own
`COPY (<the export's single query>) TO` of the same rows: the floor. Goal: growth under 100 MB at
100,000 students, time within 3 times the floor.

Every figure is measured in a fresh process (so one measurement's freed memory, which the allocator
keeps, does not hide the next one's): the rise of the kernel's peak resident memory (VmHWM, reset
first; it sees DuckDB's memory as well as Python's) over the resident memory once the database is
open. Each is run BENCH_RUNS times (default 3) and the median printed, with the machine's load.

    .venv/bin/python -m bench.exports
    BENCH_SIZES=10000,100000 BENCH_RUNS=3 .venv/bin/python -m bench.exports
    BENCH_DB=/tmp/institution.duckdb .venv/bin/python -m bench.exports   # a database already built
    BENCH_KINDS=pipeline,progress BENCH_RUNS=1 ...                        # some exports only
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dataset import BENCH_ADMIN, NOW, build

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("progress", "pipeline", "activity")
WAYS = ("floor", "command line", "download", "download again")


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _one(way: str, kind: str, path: str, out: str) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    from core.identity.accounts import load_actor, user_id_for_username
    from core.oversight import export
    from core.store.db import Database

    db = Database(path)
    admin = load_actor(db, user_id_for_username(db, BENCH_ADMIN))
    if way == "floor":
        query = {"progress": lambda cur: export._progress_query(cur, admin, None, None, None, NOW),
                 "pipeline": lambda cur: export._pipeline_query(admin, None, None, None, NOW, False),
                 "activity": lambda cur: export._activity_query(admin, None, None, None, False)}[kind]
        with db.cursor() as cur:
            sql, params = query(cur)

        def work() -> int:
            with db.cursor() as cur:
                cur.execute(f"COPY ({sql}) TO '{out}' (FORMAT csv, HEADER)", params)
            return Path(out).stat().st_size
    elif way == "command line":
        db.close()
        db = None

        def work() -> int:
            with open(os.devnull, "w") as quiet:
                stderr, sys.stderr = sys.stderr, quiet
                try:
                    assert export.main([kind, "--db", path, "--as", BENCH_ADMIN, "--out", out]) == 0
                finally:
                    sys.stderr = stderr
            return Path(out).stat().st_size
    else:
        def work() -> int:
            made = export.export_file(db, admin, kind, now=NOW)
            sent = 0
            try:
                for chunk in made.chunks(1 << 20):  # the route's 1 MB pieces
                    sent += len(chunk)
            finally:
                made.discard()
            return sent

    if way == "download again":
        work()  # as in a portal that has exported before: what DuckDB keeps for the next query is there
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status("VmRSS")
    start = time.perf_counter()
    size = work()
    seconds = time.perf_counter() - start
    growth = _status("VmHWM") - before
    if db is not None:
        db.close()
    return {"seconds": seconds, "growth": growth, "bytes": size}


def _measure(way: str, kind: str, path: Path, tmp: Path) -> dict[str, float]:
    out = tmp / f"{kind}.csv"
    done = subprocess.run([sys.executable, "-m", "bench.exports", "--one", way, kind, str(path), str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    out.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(path: Path, tmp: Path, runs: int) -> None:
    for kind in os.environ.get("BENCH_KINDS", ",".join(KINDS)).split(","):
        figures = {way: [_measure(way, kind, path, tmp) for _ in range(runs)] for way in WAYS}
        median = {way: {k: statistics.median(f[k] for f in found) for k in ("seconds", "growth", "bytes")}
                  for way, found in figures.items()}
        floor = median["floor"]
        print(f"  {kind:<9} {median['download']['bytes'] / 1e6:7.1f} MB file")
        for way in WAYS:
            m = median[way]
            ratio = "" if way == "floor" else f" (×{m['seconds'] / floor['seconds']:.1f} the floor)"
            spread = ", ".join(f"{f['growth'] / 1e6:.0f}" for f in figures[way])
            print(f"    {way:<14} {m['seconds']:7.2f} s{ratio:<18} resident memory grew {m['growth'] / 1e6:7.1f} MB "
                  f"(runs: {spread})")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[:3].__str__()


def main() -> None:
    """Build each size (or take BENCH_DB), measure every export each way, print the medians."""
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    given = os.environ.get("BENCH_DB")
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as name:
        tmp = Path(name)
        if given:
            import duckdb
            with duckdb.connect(given, read_only=True) as con:
                students = con.execute("SELECT count(*) FROM users WHERE role = 'student'").fetchone()[0]
            print(f"\n{students:,} students ({given}), median of {runs} runs, load average {_load()}")
            _report(Path(given), tmp, runs)
            print(f"  load average after: {_load()}")
            return
        for students in [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",")]:
            path = tmp / "institution.duckdb"
            start = time.perf_counter()
            counts = build(path, students=students, cohorts=max(1, students // 250))
            print(f"\n{students:,} students: {counts['contacts']:,} contacts, {counts['events']:,} events, "
                  f"built in {time.perf_counter() - start:.0f} s; median of {runs} runs, load average {_load()}")
            _report(path, tmp, runs)
            print(f"  load average after: {_load()}")
            path.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(_one(*sys.argv[2:6])))
    else:
        main()
