"""What the portal's downloads rely on inside Streamlit 1.67, pinned.

Downloads are sent from disk by the portal's own route, /download/<token> (ui/download_route.py),
mounted into Streamlit's server with st.App: `streamlit run app.py` finds `app = st.App(...)` in
app.py and serves the portal through it. These tests fail on an upgrade that changes any of that,
before downloads break in a browser; the last one runs the real server.

Why not st.download_button: it keeps the bytes of every file in the server's memory (its media file
storage holds bytes, and a callable's result, file-like or not, is read whole into it), which an
institution-wide activity export cannot afford. The test pinning that says so if it ever changes.
"""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib.metadata import version
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_is_the_version_these_contracts_were_read_from():
    assert version("streamlit") == "1.67.0"


def test_streamlit_run_finds_the_portals_server_in_app_py():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert (found.is_asgi_app, found.import_string) == (True, "app:app")


def test_st_app_takes_extra_routes_and_accepts_the_download_route():
    from ui.download_route import routes

    assert "routes" in inspect.signature(st.App).parameters
    # User routes are checked against Streamlit's reserved prefixes at construction; ours passes.
    st.App(str(ROOT / "app.py"), routes=routes())


def test_importing_app_py_as_the_server_does_declares_no_component():
    # Components (streamlit-authenticator's cookie manager) register with the server only when first
    # imported during a script run; app.py is imported once before any, so it must not import them.
    done = subprocess.run(
        [sys.executable, "-c", "import sys, app; print(sorted(m for m in ('extra_streamlit_components', 'ui.auth', "
                               "'ui.db', 'ui.guard', 'streamlit_authenticator') if m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_download_button_still_holds_files_in_memory(tmp_path):
    """If this fails, Streamlit may have learned to serve downloads from disk: st.download_button
    could then replace the portal's route."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    on_disk = tmp_path / "export.csv"
    on_disk.write_bytes(b"a,b\r\n" * 1000)
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    # What st.download_button(data=callable) registers; the click runs it. Even an open file is read whole.
    file_id = manager.add_deferred(lambda: open(on_disk, "rb"), "text/csv", "coords", file_name="export.csv")
    url = manager.execute_deferred(file_id)
    held = storage.get_file(url.rsplit("/", 1)[1])
    assert isinstance(held.content, bytes) and held.content == on_disk.read_bytes()


def test_link_buttons_carry_their_address_and_can_rerun_the_page():
    params = inspect.signature(st.link_button).parameters
    assert {"url", "key", "on_click", "icon", "help"} <= set(params)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_real_server_answers_the_download_route_beside_streamlits_own(tmp_path):
    port = _free_port()
    env = {**os.environ, "PORTAL_DB_PATH": str(tmp_path / "portal.duckdb"),
           "PORTAL_SECRETS_FILE": str(tmp_path / "none.toml"), "PORTAL_DEMO_MODE": "true"}
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError("the portal did not start: "
                                         + (tmp_path / "server.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        try:
            urllib.request.urlopen(f"{url}/download/no-such-token", timeout=10)
            raise AssertionError("an unknown download link was answered with a page")
        except urllib.error.HTTPError as refused:
            assert refused.code == 404
            assert refused.headers["Content-Type"].startswith("text/plain")
            assert "This download link is not known here" in refused.read().decode()
        with urllib.request.urlopen(f"{url}/", timeout=10) as page:  # Streamlit's own page is still served
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
