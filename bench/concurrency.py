"""Many people at once, at institution size (bench/dataset.build: 10,000 students in 40 cohorts).

1. In one process, the way Streamlit serves every session from one Database: 50 writer threads,
   each a different student saving their own campaign through the core functions a page calls
   (add a target, save research notes, draft the request, mark it sent), while 5 reader threads
   open the cohort dashboard (core.dashboard.cohort_dashboard) over and over: three counselors on
   one cohort each, the benchmark counselor on four, the career office on all forty. Prints the
   write latency (p50/p95/p99) of one student writing alone, of the 50 writers without readers and
   with them; each dashboard scope's median alone and under load; the write conflicts retried and
   given up; and the rows lost: what each writer was told it saved, counted again in the database
   at the end. Goals: write p95 <= 100 ms, reads <= 3x alone, 0 lost.
2. The real server: `streamlit run app.py` on a free port against the same file, and one headless
   Chromium opening 1, then 10, then 30 browser contexts together, each signing in as a different
   student (password checked by bcrypt at the production cost) and waiting until Home is drawn and
   the app idle. Prints the median and worst time from navigation to Home beside one alone, split
   into the sign-in form's first load and sign-in to Home; then the same contexts opening Home
   again with the re-login cookie (no password check), and the server's CPU seconds per student.
   Goal: median <= 3x alone for 10 contexts.

    .venv/bin/python -m bench.concurrency
    BENCH_PARTS=mix .venv/bin/python -m bench.concurrency       # only the in-process mix
    BENCH_PARTS=server .venv/bin/python -m bench.concurrency    # only the real server
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.dataset import BASE, BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.accounts import hash_password, load_actor, set_password_hash, user_id_for_username
from core.clock import utcnow
from core.contacts import create_contact
from core.dashboard import cohort_dashboard
from core.db import Database, get_database, scalar
from core.models import Channel, ContactCreate, OutreachCreate, ResearchUpdate
from core.outreach import create_draft, mark_sent
from core.research import save_research

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 50
READERS = 5
ROUNDS = 5  # per writer: each round adds a target, saves research, drafts the request and marks it sent
PASSWORD = "Bench-Concurrency-2026!"
MARK = "Concurrency"  # the organization of every contact this benchmark adds


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


# ---------------------------------------------------------------- 1. the in-process mix


def writer_students(count: int = WRITERS, offset: int = 0) -> list[int]:
    """Students spread over every cohort (the first ones in the counselors' cohorts the readers read)."""
    return [BASE + ((i * 200 + 3 + offset) % 10_000) for i in range(count)]


class Writer:
    """One student saving their own campaign; remembers what the portal told them was saved."""

    def __init__(self, db: Database, student_id: int, tag: str, pause: tuple[float, float] | None = None) -> None:
        self.db, self.actor, self.tag, self.pause = db, load_actor(db, student_id), tag, pause
        self.rng = random.Random(student_id)
        self.times: list[float] = []
        self.saved = {"contacts": 0, "research_notes": 0, "outreach_messages": 0, "sent": 0}
        self.errors: list[str] = []

    def _timed(self, fn):
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.times.append(time.perf_counter() - start)

    def _think(self) -> None:
        if self.pause:
            time.sleep(self.rng.uniform(*self.pause))

    def run(self, rounds: int = ROUNDS, start: threading.Barrier | None = None) -> None:
        if start is not None:
            start.wait()
        for k in range(rounds):
            self._think()
            try:
                contact = self._timed(lambda: create_contact(
                    self.db, self.actor, ContactCreate(first_name="Morgan", last_name=f"{self.tag}-{k}",
                                                       organization=MARK, title="Analyst", field="Consulting"),
                    idempotency_key=uuid.uuid4().hex))
                self.saved["contacts"] += 1
                self._think()
                self._timed(lambda: save_research(
                    self.db, self.actor, contact.id,
                    ResearchUpdate(about_person="Ten years in the field.", about_organization="Growing.")))
                self.saved["research_notes"] += 1
                self._think()
                message = self._timed(lambda: create_draft(
                    self.db, self.actor, contact.id,
                    OutreachCreate(channel=Channel.EMAIL, subject="Twenty minutes?",
                                   body="Could we talk for twenty minutes about your work?"),
                    idempotency_key=uuid.uuid4().hex))
                self.saved["outreach_messages"] += 1
                self._think()
                self._timed(lambda: mark_sent(self.db, self.actor, message, channel=Channel.EMAIL,
                                              sent_at=utcnow()))
                self.saved["sent"] += 1
            except Exception as exc:  # noqa: BLE001 - counted and printed, the run goes on
                self.errors.append(f"{type(exc).__name__}: {exc}")


def count_saved(db: Database, student_id: int, tag: str) -> dict[str, int]:
    """What the database holds of one writer's work."""
    like = f"{tag}-%"
    with db.cursor() as cur:
        where = "FROM contacts c WHERE c.student_id = ? AND c.organization = ? AND c.last_name LIKE ?"
        args = [student_id, MARK, like]
        return {
            "contacts": scalar(cur, f"SELECT count(*) {where}", args),
            "research_notes": scalar(cur, f"SELECT count(*) FROM research_notes r WHERE r.contact_id IN (SELECT c.id {where})", args),
            "outreach_messages": scalar(cur, f"SELECT count(*) FROM outreach_messages o WHERE o.contact_id IN (SELECT c.id {where})", args),
            "sent": scalar(cur, f"SELECT count(*) FROM outreach_messages o WHERE o.sent_at IS NOT NULL AND o.contact_id IN (SELECT c.id {where})", args),
        }


def reader_scopes(db: Database) -> list[tuple[str, object, int | None]]:
    """The five readers: three counselors on their one cohort, the benchmark counselor's four, the admin's forty."""
    scopes = []
    for i in range(3):
        counselor = load_actor(db, user_id_for_username(db, f"counselor{i}"))
        scopes.append((f"cohort of 250 (counselor{i})", counselor, BASE + i))
    scopes.append(("4 cohorts, 1,000 students", load_actor(db, user_id_for_username(db, BENCH_COUNSELOR)), None))
    scopes.append(("40 cohorts, 10,000 students", load_actor(db, user_id_for_username(db, BENCH_ADMIN)), None))
    return scopes


def read_once(db: Database, actor, cohort_id: int | None) -> float:
    start = time.perf_counter()
    cohort_dashboard(db, actor, cohort_id=cohort_id, now=NOW)
    return time.perf_counter() - start


def run_writers(db: Database, students: list[int], run: str, readers: list | None = None, *,
                pause: tuple[float, float] | None = None, read_pause: float = 0.0) -> dict:
    """The writers (and readers looping until the writers are done); their times, saves and losses."""
    writers = [Writer(db, s, f"{run}{i}", pause) for i, s in enumerate(students)]
    start = threading.Barrier(len(writers) + len(readers or []))
    done = threading.Event()
    read_times: dict[str, list[float]] = {}

    def read_loop(label: str, actor, cohort_id: int | None) -> None:
        start.wait()
        while not done.is_set():
            read_times.setdefault(label, []).append(read_once(db, actor, cohort_id))
            done.wait(read_pause)

    threads = [threading.Thread(target=w.run, kwargs={"start": start}) for w in writers]
    threads += [threading.Thread(target=read_loop, args=scope) for scope in readers or []]
    retried, given_up = db.conflicts_retried, db.conflicts_given_up
    cpu = time.process_time()
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[:len(writers)]:
        t.join()
    elapsed = time.perf_counter() - began
    done.set()
    for t in threads[len(writers):]:
        t.join()
    cpu = time.process_time() - cpu
    lost = 0
    for w in writers:
        found = count_saved(db, w.actor.user_id, w.tag)
        lost += sum(max(0, w.saved[k] - found[k]) for k in w.saved)
    return {
        "times": [t for w in writers for t in w.times],
        "writes": sum(len(w.times) for w in writers),
        "elapsed": elapsed,
        "cores": cpu / elapsed,
        "saved": sum(sum(w.saved.values()) for w in writers),
        "lost": lost,
        "errors": [e for w in writers for e in w.errors],
        "retried": db.conflicts_retried - retried,
        "given_up": db.conflicts_given_up - given_up,
        "reads": read_times,
    }


def _print_writes(label: str, result: dict) -> None:
    t = result["times"]
    print(f"  {label:<30} write p50 {_ms(_pct(t, 50))}  p95 {_ms(_pct(t, 95))}  p99 {_ms(_pct(t, 99))}  "
          f"({result['writes']} in {result['elapsed']:.1f} s, {result['writes'] / result['elapsed']:.0f}/s, "
          f"{result['cores']:.1f} cores; conflicts retried {result['retried']}, given up {result['given_up']}; "
          f"lost {result['lost']} of {result['saved']})", flush=True)
    for error in sorted(set(result["errors"]))[:5]:
        print(f"    error: {error}")


def _print_reads(scopes, alone: dict[str, float], loaded: dict) -> float:
    """Each scope's median read alone and under load; returns the worst ratio."""
    worst = 0.0
    for label, _, _ in scopes:
        under = loaded["reads"].get(label, [])
        median = statistics.median(under) if under else float("nan")
        worst = max(worst, median / alone[label])
        print(f"    dashboard, {label:<28} alone {_ms(alone[label])}   under load {_ms(median)}   "
              f"×{median / alone[label]:4.1f}  ({len(under)} reads)")
    return worst


# Students at the keyboard: a save, then a pause (reading, typing) before the next; counselors
# read the dashboard for a moment before opening it again.
PAUSE = (0.5, 1.5)
READ_PAUSE = 1.0


def mix(path: Path) -> None:
    """The in-process mix of writers and dashboard readers, paced like people and back to back."""
    db = get_database(path)
    scopes = reader_scopes(db)
    for _, actor, cohort_id in scopes:  # warm-up: the first run of a query plans it and reads the file
        read_once(db, actor, cohort_id)
    alone = {label: statistics.median(read_once(db, a, c) for _ in range(5)) for label, a, c in scopes}
    print(f"in-process, {WRITERS} students writing (4 saves a round, {ROUNDS} rounds each), "
          f"{READERS} dashboard readers", flush=True)
    one = run_writers(db, writer_students(1, offset=1), "solo", pause=PAUSE)
    _print_writes("one student alone", one)
    print(f"  paced like people: each student pauses {PAUSE[0]}-{PAUSE[1]} s between saves "
          f"(~{WRITERS / sum(PAUSE) * 2:.0f} saves/s in all), each reader {READ_PAUSE} s between dashboards")
    paced_writes = run_writers(db, writer_students(offset=2), "pw", pause=PAUSE)
    _print_writes(f"{WRITERS} writers, no readers", paced_writes)
    paced = run_writers(db, writer_students(offset=4), "pm", readers=scopes, pause=PAUSE, read_pause=READ_PAUSE)
    _print_writes(f"{WRITERS} writers + {READERS} readers", paced)
    worst_paced = _print_reads(scopes, alone, paced)
    print("  back to back (capacity): no pauses at all; a write then waits for the ones queued before it")
    b2b_writes = run_writers(db, writer_students(offset=6), "bw")
    _print_writes(f"{WRITERS} writers, no readers", b2b_writes)
    b2b = run_writers(db, writer_students(offset=8), "bm", readers=scopes)
    _print_writes(f"{WRITERS} writers + {READERS} readers", b2b)
    worst_b2b = _print_reads(scopes, alone, b2b)
    lost = sum(r["lost"] for r in (one, paced_writes, paced, b2b_writes, b2b))
    print(f"  goals (paced): write p95 <= 100 ms: {_pct(paced['times'], 95) * 1000:.0f} ms; "
          f"reads <= 3× alone: worst ×{worst_paced:.1f}; 0 lost: {lost} lost in all runs "
          f"(back to back: p95 {_pct(b2b['times'], 95) * 1000:.0f} ms, reads worst ×{worst_b2b:.1f})", flush=True)


# ---------------------------------------------------------------- main


def prepare(path: Path, students: list[int]) -> None:
    """Give the students a real password (one bcrypt hash at the production cost) through core."""
    db = Database(path)
    hashed = hash_password(PASSWORD)  # the default cost, as production accounts have it
    for student_id in students:
        set_password_hash(db, load_actor(db, student_id), student_id, hashed)
    db.close()


def main() -> None:
    """Build the institution, run the in-process mix, then the real server with Chromium."""
    parts = os.environ.get("BENCH_PARTS", "mix,server").split(",")
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        path = Path(tmp) / "institution.duckdb"
        start = time.perf_counter()
        counts = build(path, students=10_000, cohorts=40)
        print(f"dataset: {counts['users']:,} users, {counts['contacts']:,} contacts, {counts['events']:,} events "
              f"(built in {time.perf_counter() - start:.0f} s)", flush=True)
        if "mix" in parts:
            mix(path)
            get_database(path).close()


if __name__ == "__main__":
    main()
