"""The scheduled work: exactly one runner across processes runs a job, and on PostgreSQL the work runs as its own
worker process; every run is recorded under a lease and a failure is shown to the career office; the nightly
exports and the daily backup write their files and keep n days (core/messaging/jobs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

from core.config import Settings
from core.errors import AccessDenied, JobError
from core.messaging import jobs, notify, reminders
from core.store import dialect
from core.store.db import Database, open_database, scalar
from core.store.migrate import apply_migrations


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


def test_jobs_record_their_runs_hold_a_lease_and_a_failure_is_shown(world, monkeypatch):
    db, admin = world.db, world.admin
    now = datetime(2026, 3, 12, 15, 0)
    runs = jobs.run_due(db, runner="a", now=now, settings=Settings())
    # backup: at 2:00; exports: no folder set
    assert {r["job"] for r in runs} == {"reminders", "email", "figures", "sessions"}
    assert {r["status"] for r in runs} == {"ok"}
    assert jobs.run_due(db, runner="a", now=now + timedelta(minutes=1), settings=Settings()) != []  # email again
    assert [r["job"] for r in jobs.run_due(db, runner="a", now=now + timedelta(seconds=30),
                                           settings=Settings())] == []

    # Two runners: a job held by one is not run by the other.
    assert jobs._acquire(db, "reminders", "one", now)
    assert jobs.run_job(db, "reminders", runner="two", now=now) is None
    jobs._release(db, "reminders", "one")

    def broken(*_):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", "Daily backup", broken, daily_hour=lambda s: 2))
    run = jobs.run_now(db, admin, "backup")
    assert run["status"] == "failed" and "the disk is full" in run["error"]
    status = {s.job: s for s in jobs.job_status(db, admin)}
    assert status["backup"].last_status == "failed" and status["backup"].runs_failed_last_7_days == 1
    reminders.remind(db, now=jobs.utcnow(), settings=Settings())
    assert any(n.kind == "job_failed" and "backup" in n.title for n in notify.list_notifications(db, admin))
    with pytest.raises(AccessDenied):
        jobs.job_status(db, world.counselor_x)


def test_the_nightly_exports_and_the_daily_backup_write_their_files_and_keep_n_days(tmp_path, world):
    db = world.db
    with pytest.raises(JobError):
        jobs._exports(db, Settings(), datetime(2026, 3, 12, 8, 0), "t")  # no folder set: said, nothing written
    folder = tmp_path / "exports"
    summary = jobs._exports(db, Settings(export_dir=str(folder)), datetime(2026, 3, 12, 8, 0), "t")
    assert sorted(p.name for p in folder.iterdir()) == ["2026-03-12-pipeline.csv", "2026-03-12-progress.csv"]
    assert "2026-03-12-progress.csv" in summary
    assert (folder / "2026-03-12-progress.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    live = Database(tmp_path / "portal.duckdb")
    apply_migrations(live)
    old = tmp_path / "backups" / "portal-20260101-020000.duckdb"
    old.parent.mkdir()
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    summary = jobs._backup(live, Settings(backup_keep_days=14), jobs.utcnow(), "t")
    live.close()
    assert not old.exists() and "1 older than 14 days removed" in summary
    assert len(list((tmp_path / "backups").glob("portal-*.duckdb"))) == 1


def test_with_a_backup_key_the_daily_backup_is_encrypted_and_old_encrypted_ones_go(tmp_path):
    from core.admin.backup import is_encrypted

    key = "Rk3v9-Zq7LwT2pXe8uNcYb4sHd6gJmAf0oQi1V5t"
    live = Database(tmp_path / "portal.duckdb")
    apply_migrations(live)
    old = tmp_path / "backups" / "portal-20260101-020000.duckdb.enc"
    old.parent.mkdir()
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    summary = jobs._backup(live, Settings(backup_keep_days=14, backup_key=key), jobs.utcnow(), "t")
    live.close()
    assert not old.exists() and "1 older than 14 days removed" in summary
    made = list((tmp_path / "backups").iterdir())
    assert len(made) == 1 and made[0].name.endswith(".duckdb.enc") and is_encrypted(made[0]), made
    assert made[0].name in summary
