"""The portal's download path at institution size: how far the server's memory rises while the
institution-wide activity export downloads.

For each size (BENCH_SIZES, default 10,000 students; `BENCH_SIZES=10000,100000` for more), builds the
benchmark institution (bench/dataset.build), serves it with `streamlit run app.py` as `make run` does,
signs in as the career office in headless Chromium (Debian's /usr/bin/chromium), opens Cohort dashboard
> Export CSV for all cohorts, and downloads the activity log:
- in the browser, with one click (Chromium accepts gzip, so the server compresses as it sends),
- then with a plain HTTP client reading the next link in 1 MB pieces without compression.
For each it prints the file size, the time to the first byte (DuckDB's COPY to a temporary file) and
to the last, and how far the server process's resident memory rose above where it stood just before
(the kernel's peak, reset first, so DuckDB's memory counts too). Goal: under 100 MB. Then the same
for the pipeline and progress files, once each with the HTTP client.
For contrast (10,000 students only), the old path: one COPY of the whole log, its bytes joined for
st.download_button and kept in Streamlit's in-memory media storage, measured the same way in this
process after the server has stopped.

    .venv/bin/python -m bench.download
    BENCH_SIZES=10000,100000 .venv/bin/python -m bench.download
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.dataset import BENCH_ADMIN, build

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-download-1!"
ACTIVITY = "Activity log (one row per event)"
PIPELINE = "Pipeline (one row per contact)"
PROGRESS = "Cohort progress (one row per student)"
IDLE_MS = 900_000


def _status(pid: int | str, field: str) -> int:
    """A memory figure of a process from /proc/<pid>/status, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Peak:
    """The rise of a process's resident memory over a stretch of work: the kernel's peak (VmHWM),
    reset at the start, minus the resident memory then. A sampler also keeps the highest VmRSS seen."""

    def __init__(self, pid: int | str) -> None:
        self.pid = pid

    def __enter__(self) -> Peak:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        self.before = _status(self.pid, "VmRSS")
        self.sampled = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.sampled = max(self.sampled, _status(self.pid, "VmRSS"))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.growth = max(_status(self.pid, "VmHWM"), self.sampled) - self.before


def _prepare(path: Path, students: int) -> dict[str, int]:
    """The institution, with a password for the career office's benchmark account."""
    from core.identity.accounts import hash_password, load_actor, set_password_hash, user_id_for_username
    from core.store.db import Database

    counts = build(path, students=students, cohorts=max(1, students // 250))
    db = Database(path)
    try:
        admin = load_actor(db, user_id_for_username(db, BENCH_ADMIN))
        set_password_hash(db, admin, admin.user_id, hash_password(PASSWORD, rounds=4))
        with db.cursor() as cur:
            cur.execute("CHECKPOINT")
    finally:
        db.close()
    return counts


def _serve(path: Path, tmp: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORTAL_DB_PATH": str(path), "PORTAL_SECRETS_FILE": str(tmp / "none.toml"),
           "PORTAL_DEMO_MODE": "true", "PORTAL_BCRYPT_ROUNDS": "4"}
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the portal did not start: " + (tmp / "server.log").read_text()[-2000:]) from None
            time.sleep(0.3)


def _fetch(url: str) -> tuple[int, float, float]:
    """Download without compression, reading 1 MB at a time; returns (bytes, seconds to first byte, seconds)."""
    start = time.perf_counter()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    total, first = 0, None
    with urllib.request.urlopen(request, timeout=3600) as response:
        while chunk := response.read(1 << 20):
            first = first if first is not None else time.perf_counter() - start
            total += len(chunk)
    return total, first or 0.0, time.perf_counter() - start


def _measure(url: str, server: subprocess.Popen, tmp: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(IDLE_MS)
        sign_in(page, url, BENCH_ADMIN, PASSWORD)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Cohort dashboard").first.click()
        page.get_by_role("heading", name="Cohort dashboard").wait_for()
        wait_idle(page)
        page.get_by_role("tab", name="Export CSV").click()
        wait_idle(page)
        link = page.get_by_role("link", name=ACTIVITY)
        print(f"  server resident memory before the first download: {_status(server.pid, 'VmRSS') / 1e6:7.1f} MB")
        # For contrast: a full rerun of the dashboard, which a click on an export button does not make (it
        # reruns only the buttons, for fresh links).
        with Peak(server.pid) as peak:
            _rerun(page)
        print(f"  a full rerun of the dashboard (no download; the click does not make one): server memory rose "
              f"{peak.growth / 1e6:6.1f} MB")

        with Peak(server.pid) as peak:
            start = time.perf_counter()
            with page.expect_download() as info:
                link.click()
            saved = info.value.path()
            seconds = time.perf_counter() - start
        size = saved.stat().st_size
        print(f"  in the browser (one click, gzip): {size / 1e6:7.1f} MB in {seconds:6.2f} s; "
              f"server memory rose {peak.growth / 1e6:6.1f} MB")
        wait_idle(page)

        for attempt in (1, 2):
            href = link.get_attribute("href")
            with Peak(server.pid) as peak:
                total, first, seconds = _fetch(url + href)
            print(f"  HTTP client, no compression ({attempt}): {total / 1e6:7.1f} MB, first byte after {first:6.2f} s "
                  f"(the COPY), all in {seconds:6.2f} s; server memory rose {peak.growth / 1e6:6.1f} MB")
            _rerun(page)  # a new link
        # The pipeline and progress files, also written in slices (of students), the same way.
        for label in (PIPELINE, PROGRESS):
            href = page.get_by_role("link", name=label).get_attribute("href")
            with Peak(server.pid) as peak:
                total, first, seconds = _fetch(url + href)
            print(f"  {label.split(' (')[0].lower():<15} HTTP client, no compression: {total / 1e6:7.1f} MB, all in "
                  f"{seconds:6.2f} s; server memory rose {peak.growth / 1e6:6.1f} MB")
        browser.close()
    # Each download's temporary folder is removed once it is sent; none is left over.
    leftovers = [(f.name, sum(p.stat().st_size for p in f.iterdir()), time.time() - f.stat().st_mtime)
                 for f in Path(tempfile.gettempdir()).glob("portal-download-*")]
    print(f"  temporary export folders left behind: {len(leftovers)} {leftovers or ''}")


def wait_idle(page) -> None:
    """The browser tests' wait for an idle portal, with room for a dashboard of 100,000 students."""
    from tests.browser.conftest import wait_idle as idle

    idle(page, timeout=IDLE_MS)


def _rerun(page) -> None:
    """Make the dashboard run again with the same options (a box ticked and unticked), for a new link."""
    for _ in range(2):
        page.get_by_text("Include free-text notes").click()
        wait_idle(page)


def _old_path(path: Path) -> None:
    """What the old path cost, in this process: the export as one query (before it was sliced), joined
    into bytes by the download button's callable and stored by Streamlit's in-memory media storage."""
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from bench.oversight import _rss_growth
    from core.identity.accounts import load_actor, user_id_for_username
    from core.oversight import export
    from core.store.db import Database

    db = Database(path)
    sliced, export.SLICE_EVENTS = export.SLICE_EVENTS, 1 << 62
    try:
        admin = load_actor(db, user_id_for_username(db, BENCH_ADMIN))
        storage = MemoryMediaFileStorage("/media")
        held: list[int] = []

        def download_button() -> None:
            data = export.export_bytes(db, admin, "activity")
            storage.load_and_get_id(data, "text/csv", MediaFileKind.DOWNLOADABLE, "activity.csv")
            held.append(len(data))

        growth = _rss_growth(download_button)
        print(f"  old path for contrast (one COPY, st.download_button's bytes in Streamlit's media storage): "
              f"{held[0] / 1e6:7.1f} MB held, resident memory rose {growth / 1e6:6.1f} MB")
    finally:
        export.SLICE_EVENTS = sliced
        db.close()


def main() -> None:
    """Build each size, serve it, download the activity export, print the figures."""
    if not Path("/usr/bin/chromium").exists() and not shutil.which("chromium"):
        print("Debian's chromium is not installed: this benchmark drives the portal in it (make chromium).")
        return
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",")]
    for students in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-download-") as name:
            tmp = Path(name)
            path = tmp / "institution.duckdb"
            start = time.perf_counter()
            counts = _prepare(path, students)
            print(f"\n{students:,} students: {counts['events']:,} events, built in {time.perf_counter() - start:.0f} s")
            server, url = _serve(path, tmp)
            try:
                _measure(url, server, tmp)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            if students <= 10_000:  # beyond, the old path would hold gigabytes in this shared machine's memory
                _old_path(path)


if __name__ == "__main__":
    main()
