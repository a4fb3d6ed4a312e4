"""Two portal replicas on one PostgreSQL database behind HAProxy, run from deploy/haproxy.cfg itself
(docs/deployment.md): sign-in through the proxy; a student writes on one replica and the counselor
reads it on the other; the student's replica is killed mid-session and restarted, and the student
carries on, signed in again by the re-login cookie, with nothing lost."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, _free_port, main_text, open_page, sign_in, wait_healthy, wait_idle

WAIT = 30_000


def _wait_healthy(url: str) -> None:
    if not wait_healthy(url):
        raise RuntimeError(f"{url} did not answer")


class Replicas:
    """Replica processes a and b, and HAProxy in front of them."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work, self.env = work, env
        self.ports = {"a": _free_port(), "b": _free_port()}
        self.processes: dict[str, subprocess.Popen] = {}
        for name in self.ports:
            self.start(name)
        self.proxy_port = _free_port()
        config = (ROOT / "deploy" / "haproxy.cfg").read_text()
        config = (config.replace("127.0.0.1:8080", f"127.0.0.1:{self.proxy_port}")
                  .replace("127.0.0.1:8501", f"127.0.0.1:{self.ports['a']}")
                  .replace("127.0.0.1:8502", f"127.0.0.1:{self.ports['b']}"))
        (work / "haproxy.cfg").write_text(config)
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.proxy = subprocess.Popen([haproxy, "-f", str(work / "haproxy.cfg"), "-db"],
                                      stdout=open(work / "haproxy.log", "w"), stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.proxy_port}"
        _wait_healthy(self.url)
        for name in self.ports:
            self.wait_routed(name)

    def wait_routed(self, name: str, timeout: float = 30.0) -> None:
        """Wait until HAProxy sends a browser pinned to this replica there: its health check marks a
        started replica up only at its next check (every second), and until then a pinned browser is
        sent to the other replica and re-pinned (the response then sets PORTAL_REPLICA anew)."""
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            request = urllib.request.Request(f"{self.url}/_stcore/health", headers={"Cookie": f"PORTAL_REPLICA={name}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    pinned = [c for c in response.headers.get_all("Set-Cookie") or [] if "PORTAL_REPLICA=" in c]
                    if response.status == 200 and not pinned:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # between polls of the proxy's state, not in place of it
        raise RuntimeError(f"HAProxy did not route to replica {name}")

    def start(self, name: str) -> None:
        log = open(self.work / f"replica-{name}.log", "a")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.ports[name]),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        _wait_healthy(f"http://127.0.0.1:{self.ports[name]}")

    def kill(self, name: str) -> None:
        self.processes[name].kill()
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        for process in [*self.processes.values(), self.proxy]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, pg_cluster, pg_demo_template):
    from tests.conftest import new_postgres_database

    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        raise RuntimeError("HAProxy is missing: make test installs Debian's haproxy when run as root")
    work = tmp_path_factory.mktemp("replicas")
    database = pg_cluster.url(new_postgres_database(pg_cluster, pg_demo_template))
    env = {**os.environ, "PORTAL_DATABASE_URL": database, "PORTAL_DATA_DIR": str(work),
           "PORTAL_COOKIE_KEY": secrets.token_urlsafe(48), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(48),
           "PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PORTAL_BCRYPT_ROUNDS": "4", "PORTAL_ONE_TIME_PASSWORD_ROUNDS": "4",
           "PORTAL_SECRETS_FILE": str(work / "none.toml"), "PORTAL_DEMO_MODE": "true",
           "PORTAL_JOBS_IN_PROCESS": "false"}
    env.pop("PORTAL_DB_PATH", None)
    running = Replicas(work, env)
    yield running
    running.stop()


def _replica_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "PORTAL_REPLICA")


def _add_target(page, first: str, last: str) -> None:
    open_page(page, "Targets", "Targets")
    page.get_by_role("tab", name="Add a target").click()
    page.get_by_role("textbox", name="First name", exact=True).first.fill(first)
    page.get_by_role("textbox", name="Last name", exact=True).first.fill(last)
    page.get_by_role("textbox", name="Organization", exact=True).first.fill("Replica Test Org")
    page.get_by_role("button", name="Add target").click()
    wait_idle(page)
    expect(page.get_by_text(f"Added {first} {last}")).to_be_visible(timeout=WAIT)


def _counselor_sees(browser, replicas, replica: str, names: list[str]) -> None:
    from core.identity.accounts import user_id_for_username
    from core.store.db import open_database

    database = open_database(replicas.env["PORTAL_DATABASE_URL"])
    try:
        student = user_id_for_username(database, "student07")
    finally:
        database.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.add_cookies([{"name": "PORTAL_REPLICA", "value": replica, "url": replicas.url}])
        page = context.new_page()
        page.set_default_timeout(45_000)
        sign_in(page, replicas.url, "counselor.rivera")
        assert _replica_of(context) == replica
        page.goto(f"{replicas.url}/counselor_student?student={student}")
        wait_idle(page)
        for name in names:  # the contacts table is a data grid drawn on a canvas: its cells are in the page, not shown
            expect(page.locator("[role=gridcell]").filter(has_text=name).first).to_be_attached(timeout=WAIT)
    finally:
        context.close()


def test_two_replicas_share_one_database_and_a_killed_one_loses_nobody(replicas, page, browser):
    sign_in(page, replicas.url, "student07")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    mine = _replica_of(page.context)
    other = "b" if mine == "a" else "a"
    _add_target(page, "Before", "Failover")
    _counselor_sees(browser, replicas, other, ["Before Failover"])  # written on one replica, read on the other

    replicas.kill(mine)
    # The student's next page view goes to the other replica, which signs them in again by the cookie.
    page.reload()
    wait_idle(page)
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT)
    assert not page.get_by_label("Password", exact=True).count()
    assert _replica_of(page.context) == other
    _add_target(page, "After", "Failover")

    replicas.start(mine)
    replicas.wait_routed(mine)
    _counselor_sees(browser, replicas, mine, ["Before Failover", "After Failover"])
    assert re.search(r"After Failover", main_text(page))

    # Signing out on one replica ends the session on all of them: the same cookie, kept from before and
    # taken to the other replica, signs nobody in.
    kept = [c for c in page.context.cookies() if c["name"] != "PORTAL_REPLICA"]
    assert kept, "the re-login cookie (HttpOnly, so only the browser context shows it)"
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page)
    expect(page.get_by_label("Password", exact=True)).to_be_visible(timeout=WAIT)
    thief = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        thief.add_cookies([*kept, {"name": "PORTAL_REPLICA", "value": mine, "url": replicas.url}])
        stolen = thief.new_page()
        stolen.goto(replicas.url)
        wait_idle(stolen)
        expect(stolen.get_by_label("Password", exact=True)).to_be_visible(timeout=WAIT)
        assert not stolen.get_by_text("Signed in as").count()
        assert _replica_of(thief) == mine
    finally:
        thief.close()
