"""Scheduled work: reminders and digests, sending email, the daily backup and the nightly exports.

    portal jobs run-once [--job NAME] [--force]   run what is due now (portal stopped, or a store
                                                  other processes may open), then stop
    portal jobs --loop                            keep running it, every TICK seconds

With the embedded DuckDB file the runner lives inside the portal process: `ensure_runner` starts one
thread per process, once, and stops it when the process exits. Every run is recorded in `job_runs`
(start, end, what it did, the error); a lease per job (`job_leases`) keeps two runners from running
the same job together, and the ledgers of core/messaging/reminders.py and core/messaging/mailer.py keep a reminder
from being given twice even if they did. The career office sees it all on the Health page.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from core.admin.backup import backup, default_target, open_for_command
from core.clock import utcnow
from core.config import Settings, get_settings
from core.errors import JobError
from core.identity.access import SYSTEM, active_only, require_role
from core.identity.sessions import KEEP_ENDED, prune
from core.messaging.mailer import send_pending
from core.messaging.reminders import remind
from core.models import Actor, Role
from core.oversight.export import write_csv
from core.rules.facts import settle
from core.store import dialect
from core.store.commands import command
from core.store.db import Cursor, Database, row, rows

log = logging.getLogger(__name__)

TICK_SECONDS = 30
"""How often the runner looks for due work (a kick wakes it sooner)."""
LEASE = timedelta(minutes=15)
"""How long a runner holds a job; a run that takes longer is taken over as interrupted."""


@dataclass(frozen=True)
class Job:
    """One kind of scheduled work: every `every`, or daily at a local hour (`daily_hour` from settings)."""

    name: str
    label: str
    work: Callable[[Database, Settings, datetime, str], str]
    every: timedelta | None = None
    daily_hour: Callable[[Settings], int | None] | None = None


def _reminders(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    given = remind(db, now=now, settings=settings)
    return (f"{given.notified} notification{'s' if given.notified != 1 else ''} given, "
            f"{given.emailed} email{'s' if given.emailed != 1 else ''} queued")


def _email(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    counts = send_pending(db, runner=runner, settings=settings)
    summary = f"{counts['sent']} sent, {counts['retry']} to retry, {counts['failed']} failed"
    if counts["interrupted"]:
        summary += f", {counts['interrupted']} interrupted earlier marked failed"
    if not settings.email_configured:
        summary += " (email is off)"
    # Emails that failed are told to the career office once an hour, together (core/messaging/reminders.py), not
    # as a failed run every minute while a mail server is down.
    return summary


def _figures(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    # Every reader settles the students it reads; this keeps the waiting list short between
    # dashboards, and also takes in students no dashboard reads (no cohort, deactivated).
    settled = settle(db)
    whose = "student's" if settled == 1 else "students'"
    return f"{settled} {whose} figures brought up to date"


def _sessions(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    removed = prune(db, now)
    return f"{removed} session{'s' if removed != 1 else ''} ended over {KEEP_ENDED.days} days ago removed"


def _backup(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    postgres = dialect.is_postgres(db)
    if db.path == ":memory:":
        return "skipped: the portal runs on an in-memory database"
    data_dir = settings.data_dir if postgres else Path(db.path).parent
    result = backup(db, SYSTEM, default_target(data_dir, now, postgres=postgres), key=settings.backup_key)
    removed = prune_backups(result.path.parent, keep_days=settings.backup_keep_days, now=now, keep=result.path)
    return (f"backed up to {result.path.name} ({result.bytes:,} bytes); "
            f"{removed} older than {settings.backup_keep_days} days removed")


def prune_backups(folder: Path, *, keep_days: int, now: datetime, keep: Path | None = None) -> int:
    """Delete the backups in folder older than keep_days (never `keep`); returns how many."""
    cutoff = (now - timedelta(days=keep_days)).replace(tzinfo=timezone.utc).timestamp()
    removed = 0
    for path in [*folder.glob("portal-*.duckdb"), *folder.glob("portal-*.dump"), *folder.glob("portal-*.enc")]:
        if keep is not None and path.resolve() == keep.resolve():
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            Path(str(path) + ".wal").unlink(missing_ok=True)
            removed += 1
    return removed


def _exports(db: Database, settings: Settings, now: datetime, runner: str) -> str:
    if not settings.export_dir:
        raise JobError("No folder is set for the nightly exports (PORTAL_EXPORT_DIR, see docs/administration.md).")
    folder = Path(settings.export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("progress", "pipeline"):
        target = folder / f"{now:%Y-%m-%d}-{kind}.csv"
        partial = target.with_suffix(".csv.partial")
        with partial.open("wb") as out:
            size = write_csv(db, SYSTEM, kind, out)
        os.replace(partial, target)
        written.append(f"{target.name} ({size:,} bytes)")
    return "wrote " + ", ".join(written)


JOBS: dict[str, Job] = {j.name: j for j in (
    Job("reminders", "Reminders and digests", _reminders, every=timedelta(minutes=5)),
    Job("email", "Send email", _email, every=timedelta(minutes=1)),
    Job("figures", "Dashboard figures", _figures, every=timedelta(minutes=5)),
    Job("sessions", "Old sessions", _sessions, every=timedelta(days=1)),
    Job("backup", "Daily backup", _backup, daily_hour=lambda s: s.backup_hour if s.backup_keep_days else None),
    Job("exports", "Nightly exports", _exports, daily_hour=lambda s: 3 if s.export_dir else None),
)}


def _enabled(job: Job, settings: Settings) -> bool:
    return job.daily_hour is None or job.daily_hour(settings) is not None


def next_run(job: Job, last_started: datetime | None, settings: Settings, now: datetime) -> datetime | None:
    """When a job is next due, from when it last started (None: switched off in the settings)."""
    if job.every is not None:
        return now if last_started is None else last_started + job.every
    hour = job.daily_hour(settings) if job.daily_hour else None
    if hour is None:
        return None
    zone = ZoneInfo(settings.timezone)
    # Never run yet: at the next such hour from now (a portal's first start is not the moment for a backup).
    base = (last_started or now).replace(tzinfo=timezone.utc).astimezone(zone)
    moment = datetime.combine(base.date(), time(hour), tzinfo=zone)
    if moment <= base:
        moment = datetime.combine(base.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


# ---------------------------------------------------------------- leases and runs

def _acquire(db: Database, job: str, runner: str, now: datetime) -> bool:
    def work(cur: Cursor) -> bool:
        held = row(cur, "SELECT holder, expires_at FROM job_leases WHERE job = ?", [job])
        if held is not None and held["holder"] != runner and held["expires_at"] > now:
            return False
        cur.execute("""INSERT INTO job_leases (job, holder, expires_at) VALUES (?, ?, ?)
                       ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at""",
                    [job, runner, now + LEASE])
        # A run its runner never finished (the process died): say so instead of showing it running forever.
        cur.execute("""UPDATE job_runs SET status = 'interrupted', finished_at = ?,
                           error = 'The runner stopped before this run finished.'
                       WHERE job = ? AND status = 'running' AND runner <> ?""", [now, job, runner])
        return True

    try:
        return db.transaction(work)
    except dialect.CONSTRAINT_ERRORS:
        # Another runner inserted the job's lease in a transaction still open when this one wrote:
        # DuckDB refuses the second insert outright. That runner holds the job now.
        return False


def _release(db: Database, job: str, runner: str) -> None:
    db.transaction(lambda cur: cur.execute("DELETE FROM job_leases WHERE job = ? AND holder = ?", [job, runner]))


def _last_started(db: Database, job: str) -> datetime | None:
    with db.cursor() as cur:
        found = row(cur, "SELECT max(started_at) AS at FROM job_runs WHERE job = ?", [job])
    return found["at"] if found else None


def run_job(db: Database, name: str, *, runner: str, settings: Settings | None = None,
            now: datetime | None = None) -> dict[str, Any] | None:
    """Run one job now if no other runner holds it; record the run. Returns the run's row (None: held elsewhere)."""
    if name not in JOBS:
        raise JobError(f"No such job: {name}.")
    job = JOBS[name]
    settings = settings or get_settings()
    started = now or utcnow()
    if not _acquire(db, name, runner, started):
        return None
    try:
        run_id = db.transaction(lambda cur: cur.execute(
            "INSERT INTO job_runs (job, runner, started_at, status) VALUES (?, ?, ?, 'running') RETURNING id",
            [name, runner, started]).fetchone()[0])
        status, summary, error = "ok", "", None
        try:
            summary = job.work(db, settings, started, runner)
        except JobError as exc:
            status, error = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - a job's failure is recorded and shown, never lost
            log.exception("job %s failed", name)
            status, error = "failed", "".join(traceback.format_exception_only(exc)).strip()[:2000]
        finished = utcnow() if now is None else started
        db.transaction(lambda cur: cur.execute(
            "UPDATE job_runs SET status = ?, summary = ?, error = ?, finished_at = ? WHERE id = ?",
            [status, summary, error, finished, run_id]))
        if status == "failed" and name != "reminders":
            _alert_soon()
        with db.cursor() as cur:
            return row(cur, "SELECT * FROM job_runs WHERE id = ?", [run_id])
    finally:
        _release(db, name, runner)


def run_due(db: Database, *, runner: str, settings: Settings | None = None, now: datetime | None = None,
            only: str | None = None, force: bool = False) -> list[dict[str, Any]]:
    """Run every job that is due now (or `only` one; `force`: whether due or not). Returns the runs made."""
    settings = settings or get_settings()
    pinned = now
    now = now or utcnow()
    done = []
    for job in JOBS.values():
        if only is not None and job.name != only:
            continue
        if not _enabled(job, settings) and not force:
            continue
        due_at = next_run(job, _last_started(db, job.name), settings, now)
        if force or (due_at is not None and due_at <= now):
            run = run_job(db, job.name, runner=runner, settings=settings, now=pinned)
            if run is not None:
                done.append(run)
    return done


# ---------------------------------------------------------------- the career office's view

@dataclass(frozen=True)
class JobStatus:
    """What the Health page shows of one job."""

    job: str
    label: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_status: str | None
    last_summary: str
    last_error: str | None
    next_run_at: datetime | None
    runs_failed_last_7_days: int


@active_only
def job_status(db: Database, actor: Actor, *, now: datetime | None = None,
               settings: Settings | None = None) -> list[JobStatus]:
    """Each job's last run, next run and recent failures (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    settings = settings or get_settings()
    with db.cursor() as cur:
        last = {r["job"]: r for r in rows(cur, """
            SELECT job, started_at, finished_at, status, summary, error FROM (
                SELECT *, row_number() OVER (PARTITION BY job ORDER BY started_at DESC, id DESC) AS n FROM job_runs
            ) AS r WHERE n = 1""")}
        failed = {r["job"]: int(r["n"]) for r in rows(
            cur, """SELECT job, count(*) AS n FROM job_runs WHERE status IN ('failed', 'interrupted')
                    AND started_at >= ? GROUP BY job""", [now - timedelta(days=7)])}
    out = []
    for job in JOBS.values():
        r = last.get(job.name, {})
        out.append(JobStatus(job.name, job.label, r.get("started_at"), r.get("finished_at"), r.get("status"),
                             r.get("summary") or "", r.get("error"),
                             next_run(job, r.get("started_at"), settings, now) if _enabled(job, settings) else None,
                             failed.get(job.name, 0)))
    return out


@active_only
def recent_runs(db: Database, actor: Actor, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs of every job, newest first (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return rows(cur, """SELECT id, job, runner, started_at, finished_at, status, summary, error FROM job_runs
                            ORDER BY started_at DESC, id DESC LIMIT ?""", [max(1, min(int(limit), 1000))])


@active_only
def run_now(db: Database, actor: Actor, job_name: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """Run a job at once for the career office, whether due or not; returns the run."""
    require_role(actor, Role.ADMIN)
    if job_name not in JOBS:
        raise JobError(f"No such job: {job_name}.")
    run = run_job(db, job_name, runner=f"{runner_name()}:admin-{actor.user_id}", settings=settings)
    if run is None:
        raise JobError(f"{JOBS[job_name].label} is running right now; try again in a moment.")
    return run


# ---------------------------------------------------------------- the runner

def runner_name() -> str:
    """This process, as job_runs names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Runner:
    """A thread that runs due jobs every TICK_SECONDS (sooner when kicked) until stopped."""

    def __init__(self, db: Database, settings: Settings, *, tick: float = TICK_SECONDS) -> None:
        self.db, self.settings, self.tick = db, settings, tick
        self.name = runner_name()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="portal-jobs", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                run_due(self.db, runner=self.name, settings=self.settings)
                if _take_email_kick():
                    run_job(self.db, "email", runner=self.name, settings=self.settings)
            except Exception:  # noqa: BLE001 - the runner keeps going; each job records its own failure
                log.exception("the job runner's pass failed")
            self.wake.wait(self.tick)
            self.wake.clear()


_runner: Runner | None = None
_runner_lock = threading.Lock()
_email_kicked = threading.Event()


def ensure_runner(db: Database, settings: Settings | None = None) -> None:
    """Start this process's runner once (a no-op when jobs_in_process is off or it already runs)."""
    global _runner
    settings = settings or get_settings()
    if not settings.jobs_in_process:
        return
    with _runner_lock:
        if _runner is not None and _runner.thread.is_alive():
            return
        _runner = Runner(db, settings)
        _runner.start()
        atexit.register(_runner.stop)


def kick(*, email: bool = True) -> None:
    """Wake this process's runner now (after a reminder was given that should not wait for the next tick)."""
    if email:
        _email_kicked.set()
    runner = _runner
    if runner is not None:
        runner.wake.set()


def _take_email_kick() -> bool:
    if _email_kicked.is_set():
        _email_kicked.clear()
        return True
    return False


def _alert_soon() -> None:
    """A failed run is told to the career office by the next reminders pass; wake the runner for it."""
    kick(email=False)


# ---------------------------------------------------------------- command line

@command
def main(argv: list[str] | None = None) -> int:
    """Command line: run due jobs once, or keep running them."""
    parser = argparse.ArgumentParser(prog="portal jobs", description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["run-once"], default="run-once")
    parser.add_argument("--loop", action="store_true", help="keep running due jobs until stopped")
    parser.add_argument("--job", choices=sorted(JOBS), help="only this job")
    parser.add_argument("--force", action="store_true", help="run even if not due")
    args = parser.parse_args(argv)
    settings = get_settings()
    db = open_for_command(settings.database_location)
    if db is None:
        return 2
    try:
        if args.loop:
            runner = Runner(db, settings)
            print(f"running scheduled work as {runner.name}; Ctrl-C stops", flush=True)
            try:
                runner._loop()
            except KeyboardInterrupt:
                runner.stop()
            return 0
        runs = run_due(db, runner=runner_name(), settings=settings, only=args.job, force=args.force)
    finally:
        db.close()
    for run in runs:
        print(f"{run['job']:<10} {run['status']:<8} {run['summary'] or run['error'] or ''}")
    if not runs:
        print("nothing was due")
    return 1 if any(r["status"] == "failed" for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
