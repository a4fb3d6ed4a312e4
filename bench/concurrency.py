"""Many people at once, at institution size (bench/dataset.build: 10,000 students in 40 cohorts).

1. In one process, the way Streamlit serves every session from one Database: 50 writer threads, each
   a different student saving their own campaign through the core functions a page calls (add a
   target, save research notes, draft the request, mark it sent), while 5 reader threads open the
   cohort dashboard's table (core.oversight.dashboard.dashboard_frame, what the page draws) over and over:
   three counselors on one cohort each, the benchmark counselor on four, the career office on all
   forty. Prints the write latency (p50/p95/p99) of one student writing alone, of the 50 writers
   without readers and with them; each dashboard scope's median alone and under load; the write
   conflicts retried and given up; and the rows lost: what each writer was told it saved, counted
   again in the database at the end. Goals: write p95 <= 100 ms, reads <= 3x alone, 0 lost.
2. The real server: `streamlit run app.py` on a free port against the same file, and one headless
   Chromium opening 1, then 10, then 30 browser contexts together, each signing in as a different
   student (password checked by bcrypt at the production cost) and waiting until Home is drawn and
   the app idle. Prints the median and worst time from navigation to Home beside one alone, split
   into the sign-in form's first load and sign-in to Home; then the same contexts opening Home
   again with the re-login cookie (no password check); and the CPU seconds per student of the
   server and of Chromium, which shares the machine and so the times.
   Goal: median <= 3x alone for 10 contexts.

The mix runs twice: paced like people (a pause of 0.5-1.5 s between a student's saves, 1 s
between a counselor's dashboards) and back to back (no pauses: the capacity, where a write waits
for every write queued before it).

    .venv/bin/python -m bench.concurrency
    BENCH_PARTS=mix .venv/bin/python -m bench.concurrency       # only the in-process mix
    BENCH_PARTS=server .venv/bin/python -m bench.concurrency    # only the real server
    BENCH_ROUNDS=2 .venv/bin/python -m bench.concurrency        # fewer saves per writer (default 5 rounds of 4)
"""

from __future__ import annotations

import math
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.dataset import BASE, BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.campaign.contacts import create_contact
from core.campaign.outreach import create_draft, mark_sent
from core.campaign.research import save_research
from core.clock import utcnow
from core.identity.accounts import hash_password, load_actor, set_password_hash, user_id_for_username
from core.models import Channel, ContactCreate, OutreachCreate, ResearchUpdate
from core.oversight.dashboard import dashboard_frame
from core.store.db import Database, get_database, scalar

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 50
READERS = 5
# per writer: each round adds a target, saves research, drafts the request and marks it sent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PASSWORD = "Bench-Concurrency-2026!"
MARK = "Concurrency"  # the organization of every contact this benchmark adds


def _pct(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(q / 100 * len(ordered)))) - 1]


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
            "research_notes": scalar(cur, "SELECT count(*) FROM research_notes r "
                                          f"WHERE r.contact_id IN (SELECT c.id {where})", args),
            "outreach_messages": scalar(cur, "SELECT count(*) FROM outreach_messages o "
                                             f"WHERE o.contact_id IN (SELECT c.id {where})", args),
            "sent": scalar(cur, "SELECT count(*) FROM outreach_messages o "
                                f"WHERE o.sent_at IS NOT NULL AND o.contact_id IN (SELECT c.id {where})", args),
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
    dashboard_frame(db, actor, cohort_id=cohort_id, now=NOW)
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


# ---------------------------------------------------------------- 2. the real server

BROWSER_STUDENTS = [BASE + 9000 + i for i in range(1 + 3 + 10 + 30)]  # a warm-up, three alone, then 10 and 30
WAVES = (10, 30)
COOKIE_WAIT_MS = 30_000


def _proc_stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _server_cpu(pid: int) -> float:
    """CPU seconds the server process has used (user + system, all its threads)."""
    fields = _proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _browser_cpu(server_pid: int) -> float:
    """CPU seconds used by this benchmark's own descendants except the server: Playwright's driver
    and Chromium (exited children counted through their parents' totals)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_proc_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
    total, me = 0.0, os.getpid()
    for pid in parents:
        ancestor, ours = parents.get(pid), False
        while ancestor:
            if ancestor == server_pid:
                break
            if ancestor == me:
                ours = True
                break
            ancestor = parents.get(ancestor)
        if ours and pid != server_pid:
            try:
                fields = _proc_stat(pid)
            except OSError:
                continue
            total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def start_server(path: Path, tmp: Path):
    """`streamlit run app.py` on a free port against the file, the way the browser tests start it."""
    import subprocess
    import sys
    import urllib.request

    from tests.browser.conftest import _free_port

    port = _free_port()
    env = {**os.environ, "PORTAL_DB_PATH": str(path), "PORTAL_SECRETS_FILE": str(tmp / "none.toml"),
           "PORTAL_DEMO_MODE": "true"}
    log = open(tmp / "streamlit.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url, log
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the portal did not start: " + (tmp / "streamlit.log").read_text()[-2000:])


async def _idle(page, timeout: float) -> None:
    """Streamlit idle (no script run, nothing stale), checked twice 150 ms apart (a rerun may follow)."""
    from tests.browser.conftest import _IDLE_JS

    while True:
        await page.wait_for_function(_IDLE_JS, timeout=timeout)
        await page.wait_for_timeout(150)
        if await page.evaluate(_IDLE_JS):
            return


# Signed in, refused, or the run ended with the form emptied (the click was swallowed).
_SIGN_IN_OUTCOME_JS = """() => {
  const text = document.body.innerText;
  if (text.includes('Signed in as') || text.includes('incorrect')) return true;
  const app = document.querySelector('[data-testid="stApp"]');
  const field = document.querySelector('input[aria-label="Username"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!field && field.value === '';
}"""


async def _home(page, started: float, timeout: float) -> float:
    """Seconds from `started` until Home's heading is drawn and the app idle."""
    await page.get_by_role("heading", name="Hello,").first.wait_for(timeout=timeout)
    await _idle(page, timeout)
    return time.perf_counter() - started - 0.15  # the second idle check is not the portal's time


async def _student(browser, url: str, username: str) -> dict[str, float]:
    """One student in a fresh context: the sign-in form, sign-in to Home, then Home again by cookie."""
    from tests.browser.conftest import AUTH_COOKIE

    timeout = 300_000
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        page.set_default_timeout(timeout)
        started = time.perf_counter()
        await page.goto(url)
        retries = 0
        for _ in range(3):
            await _idle(page, timeout)
            await page.get_by_label("Username").fill(username)
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            form = time.perf_counter() - started
            clicked = time.perf_counter()
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_function(_SIGN_IN_OUTCOME_JS, timeout=timeout)
            if await page.get_by_text("Signed in as").count():
                break
            if await page.get_by_text("incorrect").count():
                raise RuntimeError(f"{username}: the password was refused")
            retries += 1  # the run swallowed the click (seen on a cold server): the form is empty again
        else:
            raise RuntimeError(f"{username} could not sign in")
        total = await _home(page, started, timeout)
        signed_in = total - (clicked - started)
        # The re-login cookie arrives on the run after sign-in; then a new tab opens Home by cookie alone.
        # It is HttpOnly: the page cannot see it, the browser context can. Not there in time: counted (this
        # student would have to sign in again after a reload).
        cookie = False
        cookie_deadline = time.perf_counter() + COOKIE_WAIT_MS / 1000
        while not cookie and time.perf_counter() < cookie_deadline:
            cookie = any(c["name"] == AUTH_COOKIE for c in await context.cookies())
            if not cookie:
                await page.wait_for_timeout(100)
        return {"cookie": cookie, "total": total, "form": form, "sign_in": signed_in, "context": context,
                "retries": retries}
    except BaseException:
        await context.close()
        raise


async def _by_cookie(context, url: str, has_cookie: bool) -> float | None:
    timeout = 300_000
    if not has_cookie:
        await context.close()
        return None
    page = await context.new_page()
    page.set_default_timeout(timeout)
    started = time.perf_counter()
    await page.goto(url)
    seconds = await _home(page, started, timeout)
    await context.close()
    return seconds


async def _wave(browser, url: str, usernames: list[str], pid: int) -> dict:
    import asyncio

    cpu, browser_cpu = _server_cpu(pid), _browser_cpu(pid)
    signed = await asyncio.gather(*(_student(browser, url, u) for u in usernames))
    sign_in_cpu, browser_cpu = _server_cpu(pid) - cpu, _browser_cpu(pid) - browser_cpu
    cpu = _server_cpu(pid)
    cookie = [c for c in await asyncio.gather(*(_by_cookie(s["context"], url, s["cookie"]) for s in signed))
              if c is not None]
    return {"total": [s["total"] for s in signed], "form": [s["form"] for s in signed],
            "sign_in": [s["sign_in"] for s in signed], "cookie": list(cookie),
            "retries": sum(s["retries"] for s in signed), "no_cookie": sum(not s["cookie"] for s in signed),
            "cpu": sign_in_cpu / len(usernames),
            "browser_cpu": browser_cpu / len(usernames), "cookie_cpu": (_server_cpu(pid) - cpu) / len(usernames)}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _print_wave(label: str, w: dict, alone: float | None) -> None:
    med = _median(w["total"])
    ratio = f"×{med / alone:.1f}" if alone else ""
    notes = []
    if w["retries"]:
        notes.append(f"{w['retries']} sign-in click(s) swallowed and made again")
    if w["no_cookie"]:
        notes.append(f"{w['no_cookie']} got no re-login cookie within {COOKIE_WAIT_MS // 1000} s")
    print(f"  {label:<9} {med:6.2f} s {max(w['total']):6.2f} s {ratio:>6}  | {_median(w['form']):5.2f} s "
          f"{_median(w['sign_in']):6.2f} s {max(w['sign_in']):6.2f} s | {_median(w['cookie']):6.2f} s "
          f"{max(w['cookie'], default=float('nan')):6.2f} s | {w['cpu']:5.2f} s {w['cookie_cpu']:5.2f} s | "
          f"{w['browser_cpu']:5.2f} s"
          + (f"   ({'; '.join(notes)})" if notes else ""), flush=True)


async def _browse(url: str, pid: int) -> None:
    from playwright.async_api import async_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    names = [f"student{s - BASE}" for s in BROWSER_STUDENTS]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            await _wave(browser, url, names[:1], pid)  # warm-up: the server's first page runs, Chromium's caches
            solo_runs = [await _wave(browser, url, [n], pid) for n in names[1:4]]
            solo = {k: [v for w in solo_runs for v in w[k]] for k in ("total", "form", "sign_in", "cookie")}
            solo.update({k: _median([w[k] for w in solo_runs]) for k in ("cpu", "cookie_cpu", "browser_cpu")})
            solo.update({k: sum(w[k] for w in solo_runs) for k in ("retries", "no_cookie")})
            print(f"  {'':<9} {'navigation to Home':<23} | {'form':<7} {'sign-in to Home':<15} | "
                  f"{'Home by cookie':<15} | server CPU/student | Chromium CPU/student")
            print(f"  {'contexts':<9} {'median':>8} {'worst':>8} {'':>6}  | {'median':>7} {'median':>8} {'worst':>6} | "
                  f"{'median':>8} {'worst':>6} | {'sign-in':>7} {'cookie':>7}    | {'sign-in':>7}")
            _print_wave("1 (×3)", solo, None)
            alone = _median(solo["total"])
            start, ratios = 4, {}
            for n in WAVES:
                w = await _wave(browser, url, names[start:start + n], pid)
                start += n
                _print_wave(str(n), w, alone)
                ratios[n] = _median(w["total"]) / alone
            if 10 in ratios:
                print(f"  goal: median <= 3× alone for 10 contexts: ×{ratios[10]:.1f}", flush=True)
            # The server and the browsers share this machine's cores: however well the server does, n
            # students at once need n times one student's CPU (server and Chromium) on those cores.
            cores = os.cpu_count() or 1
            for n in WAVES:
                need = n * (solo["cpu"] + solo["browser_cpu"])
                print(f"  {n} at once need at least {need:.1f} CPU-s (server {n * solo['cpu']:.1f}, Chromium "
                      f"{n * solo['browser_cpu']:.1f}) on {cores} cores: no faster than {need / cores:.1f} s, "
                      f"×{need / cores / alone:.1f} alone; the server's share alone: "
                      f"×{n * solo['cpu'] / cores / alone:.1f}",
                      flush=True)
        finally:
            await browser.close()


def server(path: Path, tmp: Path) -> None:
    """Sign in 1, 10 and 30 students at once on the real server; time navigation to Home."""
    import asyncio

    from tests.browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        print("real server: skipped, Debian's chromium is not installed")
        return
    print("real server: streamlit run app.py, one headless Chromium, a browser context per student "
          "(password checked by bcrypt at the production cost)", flush=True)
    process, url, log = start_server(path, tmp)
    try:
        asyncio.run(_browse(url, process.pid))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except Exception:  # noqa: BLE001
            process.kill()
        log.close()


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
        prepare(path, BROWSER_STUDENTS)
        if "mix" in parts:
            mix(path)
            get_database(path).close()
        if "server" in parts:
            server(path, Path(tmp))


if __name__ == "__main__":
    main()
