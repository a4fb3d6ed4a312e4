"""Serve the portal with `streamlit run` on a free port and drive it with Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """A running portal process and its address."""

    def __init__(self, url: str, process: subprocess.Popen, db_path: Path) -> None:
        self.url, self.process, self.db_path = url, process, db_path


def wait_healthy(url: str, timeout: float = 60) -> bool:
    """Whether a portal (or the proxy in front of one) at `url` answers /_stcore/health within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)  # between polls of the server's state, not a wait in place of it
    return False


@contextmanager
def serve_portal(work: Path, demo_file: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
    """`streamlit run app.py` on a free port over a private copy of the demo database, until the block ends."""
    db_path = work / "portal.duckdb"
    shutil.copy(demo_file, db_path)
    port = _free_port()
    env = {**os.environ, "PORTAL_DB_PATH": str(db_path), "PORTAL_BCRYPT_ROUNDS": "4",
           "PORTAL_ONE_TIME_PASSWORD_ROUNDS": "4",
           "PORTAL_SECRETS_FILE": str(work / "none.toml"), "PORTAL_DEMO_MODE": "true", "PORTAL_JOBS_IN_PROCESS": "true",
           **(env or {})}
    log = open(work / "streamlit.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not wait_healthy(url):
        process.kill()
        raise RuntimeError("the portal did not start: " + (work / "streamlit.log").read_text()[-2000:])
    try:
        yield Portal(url, process, db_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, demo_file, request) -> Portal:
    """A portal served from a private copy of the demo database (a test module may add settings in PORTAL_ENV)."""
    with serve_portal(tmp_path_factory.mktemp("portal"), demo_file,
                      getattr(request.module, "PORTAL_ENV", {})) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright. A missing Chromium fails the run (CI must not pass
    without the browser tests); a developer without root may skip them knowingly with
    PORTAL_SKIP_BROWSER_TESTS=1."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (make test installs it when run as root)"
        if os.environ.get("PORTAL_SKIP_BROWSER_TESTS") == "1":
            pytest.skip(message)
        pytest.fail(message + "; set PORTAL_SKIP_BROWSER_TESTS=1 to skip the browser tests on purpose")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) and page; a screenshot is kept when a test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(45_000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && document.querySelectorAll('[data-stale="true"]').length === 0;
}"""


def wait_idle(page, timeout: float = 45_000, settle_ms: int = 600) -> None:
    """Wait until Streamlit has finished every run (components may trigger a second one) and nothing is stale."""
    deadline = time.time() + timeout / 1000
    while True:
        page.wait_for_function(_IDLE_JS, timeout=timeout)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_IDLE_JS):
            return
        if time.time() > deadline:
            raise TimeoutError("the portal kept running")


def main_text(page) -> str:
    """The readable text of the main area (tables drawn on canvas are not included)."""
    return page.locator("[data-testid='stMain']").inner_text()


AUTH_COOKIE = "interview_portal_auth"


def auth_cookie_value(page) -> str | None:
    """The re-login cookie the browser holds (HttpOnly: read from the browser context, not the page)."""
    return next((c["value"] for c in page.context.cookies() if c["name"] == AUTH_COOKIE), None)


def _wait_for_cookie(page, held, what: str, timeout: float) -> None:
    deadline = time.time() + timeout / 1000
    while not held(auth_cookie_value(page)):
        if time.time() > deadline:
            raise TimeoutError(f"the browser never {what}")
        page.wait_for_timeout(100)


def wait_for_auth_cookie(page, *, other_than: str | None = None, timeout: float = 10_000) -> None:
    """Wait until the browser holds the re-login cookie (one whose value is not `other_than`)."""
    _wait_for_cookie(page, lambda value: value is not None and value != other_than, "got its re-login cookie", timeout)


def wait_for_no_auth_cookie(page, *, timeout: float = 20_000) -> None:
    """Wait until the browser has dropped the re-login cookie."""
    _wait_for_cookie(page, lambda value: value is None, "dropped its re-login cookie", timeout)


def sign_in(page, url: str, username: str, password: str = "Demo-2026!") -> None:
    """Open the portal and sign in through the form.

    The form submits through a callback, so a click on the first run after a server start is kept
    (ui/auth.py); a submit that produced neither a session nor a message is still tried again.
    """
    page.goto(url)
    for _ in range(3):
        wait_idle(page)
        page.get_by_label("Username").wait_for(state="visible")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        # "Sign in", or "Sign in with a password" where single sign-on is offered too.
        page.get_by_role("button", name=re.compile(r"^Sign in(?: with a password)?$")).click()
        outcome = (page.get_by_text("Signed in as").or_(page.get_by_text("Username or password is incorrect"))
                   .or_(page.get_by_text("Too many failed sign-ins")))
        try:
            outcome.first.wait_for(timeout=15_000)
        except Exception:  # noqa: BLE001 - the form was redrawn under us: fill it again
            continue
        if page.get_by_text("Signed in as").count():
            # Signing in ends when the browser holds the re-login cookie (the page fetches it from the
            # portal's cookie route on the run after sign-in).
            try:
                wait_for_auth_cookie(page)
            except Exception:  # noqa: BLE001 - a portal that sets no cookie (none asked for) goes on
                pass
        wait_idle(page)
        return
    raise AssertionError("could not submit the sign-in form")


def open_select(page, label: str, option, *, exact: bool = False):
    """Open the select box labelled `label` until `option` (text or pattern) shows, opening it again
    if a rerun of the page swallowed the click; returns the option."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wanted = page.get_by_role("option", name=option, exact=exact).first
    for _ in range(4):
        wait_idle(page)
        page.get_by_label(label, exact=True).click()
        try:
            wanted.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    return wanted


def choose(page, label: str, option, *, exact: bool = False) -> None:
    """Choose `option` in the select box labelled `label` (see open_select)."""
    open_select(page, label, option, exact=exact).click()
    wait_idle(page)


def nav_click(page, title: str) -> None:
    """Click a sidebar link once the portal is idle."""
    wait_idle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).first.click()


def open_page(page, title: str, heading) -> None:
    """Open a page from the sidebar and wait for `heading` (text or pattern); a click during a rerun
    (such as the one that follows sign-in) can be dropped, so it is retried."""
    for attempt in range(3):
        nav_click(page, title)
        try:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - retried, then the last wait reports
            if attempt == 2:
                raise
    wait_idle(page)
