"""The scheduled work: exactly one runner across processes runs a job, and on PostgreSQL the work runs as its own
worker process (core/messaging/jobs.py)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from core.messaging import jobs
from core.store import dialect
from core.store.db import open_database, scalar


def test_exactly_one_runner_across_processes_runs_a_job(db, monkeypatch):
    """Two runners with connections of their own (as two worker processes have) start the same job at
    once: the lease in job_leases lets one run it; the other is told it is held."""
    ran: list[str] = []

    def slow(database, settings, now, runner):
        ran.append(runner)
        time.sleep(0.5)
        return "done"

    monkeypatch.setitem(jobs.JOBS, "slow", jobs.Job("slow", "Slow", slow, every=timedelta(minutes=1)))
    second = open_database(db.url) if db.store == dialect.POSTGRES else db
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str, database) -> None:
        barrier.wait(timeout=5)
        results[name] = jobs.run_job(database, "slow", runner=name)

    threads = [threading.Thread(target=run, args=("one", db)), threading.Thread(target=run, args=("two", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    if second is not db:
        second.close()
    assert len(ran) == 1
    assert sorted(r is None for r in results.values()) == [False, True]
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM job_runs WHERE job = 'slow'") == 1
        assert scalar(cur, "SELECT count(*) FROM job_leases") == 0


def test_the_scheduled_work_runs_as_its_own_worker_process_on_postgres(pg_db, tmp_path):
    """`python -m core.messaging.jobs --loop` beside the portal: it runs the due jobs and stops on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PORTAL_DATABASE_URL": pg_db.url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRETS_FILE": str(tmp_path / "no-secrets.toml")}
    env.pop("PORTAL_JOBS_IN_PROCESS", None)
    worker = subprocess.Popen([sys.executable, "-m", "core.messaging.jobs", "--loop"], env=env,
                              cwd=Path(__file__).resolve().parents[3], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with pg_db.cursor() as cur:
                done = {r[0] for r in cur.execute("SELECT job FROM job_runs WHERE status = 'ok'").fetchall()}
            if {"reminders", "email"} <= done:
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.2)
        assert {"reminders", "email"} <= done
    finally:
        worker.send_signal(signal.SIGINT)
        out, _ = worker.communicate(timeout=30)
    assert b"running scheduled work as" in out
