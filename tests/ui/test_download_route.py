"""The /download/<token> route: the file from disk with the right headers and bytes, once; a plain
sentence and no file otherwise; the temporary file removed however the sending ends.

Driven at the ASGI level (a Starlette app holding only the portal's route, called with the messages a
server would pass), so no HTTP client library is needed; tests/contracts/test_streamlit.py checks the
same route answering inside the real `streamlit run app.py` server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.applications import Starlette

from core.admin.downloads import DownloadFile, DownloadTokens
from core.config import Settings
from core.identity import accounts, sessions
from core.oversight.export import export_bytes, export_file
from tests.conftest import NOW
from tests.oversight_fixtures import Campaign
from ui.download_route import content_disposition, routes
from ui.downloads import session_maker

KEY = "a-download-test-signing-key-0123456789abcdef"
SETTINGS = Settings(cookie_key=KEY, demo_mode=False, cookie_expiry_days=7.0)
COOKIE_NAME = SETTINGS.cookie_name


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Reply:
    """What the route sent: status, headers (lower-case names), the body pieces."""

    def __init__(self, messages: list[dict]) -> None:
        start = messages[0]
        self.status = start["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        self.pieces = [m["body"] for m in messages[1:] if m.get("body")]
        self.body = b"".join(self.pieces)
        self.text = self.body.decode("utf-8", "replace")


def get(app, path: str, *, method: str = "GET", fail_after_pieces: int | None = None,
        cookie: str | None = None) -> Reply:
    """One request to an ASGI app. fail_after_pieces: the browser goes away after that many body pieces;
    cookie: the re-login cookie the browser sends."""
    messages: list[dict] = []

    async def receive():
        await asyncio.sleep(3600)  # no request body, and the client never says it left
        return {"type": "http.disconnect"}

    async def send(message):
        if fail_after_pieces is not None and message["type"] == "http.response.body":
            if sum(1 for m in messages if m["type"] == "http.response.body") >= fail_after_pieces:
                raise OSError("connection reset by peer")
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"portal.test")]
             + ([(b"cookie", f"{COOKIE_NAME}={cookie}".encode())] if cookie else []), "client": ("127.0.0.1", 5000),
             "server": ("portal.test", 80)}

    async def run():
        try:
            await app(scope, receive, send)
        except Exception:
            if fail_after_pieces is None:
                raise

    asyncio.run(run())
    return Reply(messages)


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


@pytest.fixture
def served(db):
    """A private token store, its clock, and an app serving only the download route from it."""
    clock = Clock()
    tokens = DownloadTokens(clock=clock)
    return tokens, clock, Starlette(routes=routes(tokens, lambda: SETTINGS, lambda _: db))


def _export_maker(world, actor, kind="activity", **options):
    session = sessions.start(world.db, user_id=actor.user_id, method=sessions.PASSWORD, expiry_days=7)
    return session_maker(world.db, session.session_id,
                         lambda fresh: export_file(world.db, fresh, kind, name=f"{kind}_cohort-x_2026-03-10.csv",
                                                   now=NOW, **options))


def _leftovers(tmp_dir: Path) -> list[Path]:
    return sorted(tmp_dir.glob("portal-download-*"))


@pytest.fixture(autouse=True)
def _private_tmp(tmp_path, monkeypatch):
    """Temporary export folders go to this test's directory, so what is left behind can be counted."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("kind", ["progress", "pipeline", "activity"])
def test_an_export_link_delivers_the_file_once_with_its_name_type_and_exact_bytes(campaign, served, kind, tmp_path):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(_export_maker(w, w.counselor_x, kind, cohort_id=w.cohort_x))
    reply = get(app, f"/download/{token}")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    assert reply.headers["content-disposition"] == f'attachment; filename="{kind}_cohort-x_2026-03-10.csv"'
    assert reply.headers["cache-control"] == "no-store"
    expected = export_bytes(w.db, w.counselor_x, kind, cohort_id=w.cohort_x, now=NOW)
    assert reply.body == expected and reply.body.startswith(b"\xef\xbb\xbf")
    assert int(reply.headers["content-length"]) == len(expected)
    assert _leftovers(tmp_path) == []  # the temporary file is gone once sent

    again = get(app, f"/download/{token}")
    assert again.status == 410 and "already used: each link works once" in again.text
    assert b"student" not in again.body


def test_the_formula_guard_holds_in_the_served_file(campaign, served):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(_export_maker(w, w.admin, "pipeline", include_notes=True))
    reply = get(app, f"/download/{token}")
    assert reply.status == 200
    assert b"'=" in reply.body  # yara's research note starts with "=": sent with its apostrophe
    assert reply.body == export_bytes(w.db, w.admin, "pipeline", include_notes=True, now=NOW)


def test_a_large_file_goes_out_in_bounded_pieces(tmp_path, served):
    tokens, _, app = served
    folder = tmp_path / "portal-download-big"
    folder.mkdir()
    (folder / "big.csv").write_bytes(b"x" * (3 * (1 << 20) + 5))
    token = tokens.issue(lambda: DownloadFile((folder / "big.csv",), "big.csv", "text/csv; charset=utf-8", prefix=b"P"))
    reply = get(app, f"/download/{token}")
    assert reply.status == 200 and len(reply.body) == 3 * (1 << 20) + 6
    assert max(len(p) for p in reply.pieces) <= 1 << 20
    assert not folder.exists()


def test_the_temporary_file_is_removed_when_the_browser_goes_away_midway(tmp_path, served):
    tokens, _, app = served
    folder = tmp_path / "portal-download-cut"
    folder.mkdir()
    (folder / "big.csv").write_bytes(b"x" * (3 << 20))
    token = tokens.issue(lambda: DownloadFile((folder / "big.csv",), "big.csv", "text/csv; charset=utf-8"))
    reply = get(app, f"/download/{token}", fail_after_pieces=1)
    assert reply.status == 200 and len(reply.body) < 3 << 20
    assert not folder.exists()


def test_an_unknown_or_expired_link_gets_a_plain_sentence(campaign, served, tmp_path):
    w = campaign.world
    tokens, clock, app = served
    unknown = get(app, "/download/not-a-token")
    assert unknown.status == 404 and "not known here" in unknown.text
    assert unknown.headers["content-type"].startswith("text/plain")

    token = tokens.issue(_export_maker(w, w.counselor_x))
    clock.now += 15 * 60
    expired = get(app, f"/download/{token}")
    assert expired.status == 410 and "expired: links last 15 minutes" in expired.text
    assert "click the download button again" in expired.text
    assert _leftovers(tmp_path) == []  # nothing was made


def test_a_head_request_does_not_use_up_the_link(campaign, served):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(_export_maker(w, w.counselor_x, "progress"))
    assert get(app, f"/download/{token}", method="HEAD").status == 405
    assert get(app, f"/download/{token}").status == 200


def test_an_account_deactivated_after_the_page_was_drawn_gets_no_file(campaign, served, tmp_path):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(_export_maker(w, w.counselor_x, "progress"))  # the dashboard is drawn
    accounts.set_active(w.db, w.admin, w.counselor_x.user_id, False, now=NOW)
    reply = get(app, f"/download/{token}")
    assert reply.status == 403
    assert reply.text.startswith("Nothing was downloaded. Your account is no longer active.")
    assert "Alice" not in reply.text and _leftovers(tmp_path) == []


def test_a_session_ended_elsewhere_gets_no_file(campaign, served):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(_export_maker(w, w.counselor_x, "progress"))
    accounts.revoke_sessions(w.db, w.counselor_x)  # "sign out everywhere" from another device
    reply = get(app, f"/download/{token}")
    assert reply.status == 403 and "Your session has ended" in reply.text


def test_a_link_without_a_signed_in_session_gets_no_file(campaign, served):
    w = campaign.world
    tokens, _, app = served
    token = tokens.issue(session_maker(w.db, None, lambda actor: export_file(w.db, actor, "progress")))
    reply = get(app, f"/download/{token}")
    assert reply.status == 403 and "Please sign in" in reply.text


def _browser(world, actor) -> tuple[int, str]:
    """A browser signed in as the actor: its session's id and the HttpOnly cookie it holds."""
    started = sessions.start(world.db, user_id=actor.user_id, method=sessions.PASSWORD, expiry_days=7)
    cookie = sessions.redeem_handoff(world.db, started.handoff, key=KEY, expiry_days=7)
    return started.session_id, cookie.value


def test_a_link_works_only_for_the_browser_session_that_drew_it(campaign, served, tmp_path):
    w = campaign.world
    tokens, _, app = served
    session_id, cookie = _browser(w, w.counselor_x)
    make = session_maker(w.db, session_id, lambda fresh: export_file(w.db, fresh, "progress", cohort_id=w.cohort_x,
                                                                     name="progress.csv", now=NOW))
    token = tokens.issue(make, holder=session_id)  # counselor X's dashboard draws the link
    _, other_cookie = _browser(w, w.counselor_y)
    _, her_other_cookie = _browser(w, w.counselor_x)  # her own sign-in in another browser
    for stranger in (None, "not-a-cookie", other_cookie, her_other_cookie):
        refused = get(app, f"/download/{token}", cookie=stranger)
        assert refused.status == 403, stranger
        assert refused.text.startswith("Nothing was downloaded: this download link works only in the browser")
        assert b"Alice" not in refused.body and "student" not in refused.text
        assert _leftovers(tmp_path) == []  # nothing was made
    reply = get(app, f"/download/{token}", cookie=cookie)  # not used up: her own browser still gets the file
    assert reply.status == 200
    assert reply.body == export_bytes(w.db, w.counselor_x, "progress", cohort_id=w.cohort_x, now=NOW)
    assert get(app, f"/download/{token}", cookie=cookie).status == 410


def test_a_signed_out_browser_gets_no_file_from_its_old_link(campaign, served):
    w = campaign.world
    tokens, _, app = served
    session_id, cookie = _browser(w, w.counselor_x)
    token = tokens.issue(session_maker(w.db, session_id, lambda fresh: export_file(w.db, fresh, "progress")),
                         holder=session_id)
    accounts.revoke_sessions(w.db, w.counselor_x)
    reply = get(app, f"/download/{token}", cookie=cookie)
    assert reply.status == 403 and reply.text.startswith("Nothing was downloaded")


def test_a_link_opened_after_the_account_was_deactivated_says_so(campaign, served, tmp_path):
    w = campaign.world
    tokens, _, app = served
    session_id, cookie = _browser(w, w.counselor_x)
    token = tokens.issue(session_maker(w.db, session_id, lambda fresh: export_file(w.db, fresh, "progress")),
                         holder=session_id)
    accounts.set_active(w.db, w.admin, w.counselor_x.user_id, False)
    reply = get(app, f"/download/{token}", cookie=cookie)
    assert reply.status == 403
    assert reply.text == "Nothing was downloaded. Your account is no longer active. Ask the career office if you " \
                         "think this is a mistake."
    assert _leftovers(tmp_path) == []


def test_what_core_refuses_is_said_plainly(campaign, served):
    w = campaign.world
    tokens, _, app = served
    # A counselor's link for another counselor's cohort (a stale page after an assignment change).
    token = tokens.issue(_export_maker(w, w.counselor_x, "progress", cohort_id=w.cohort_y))
    reply = get(app, f"/download/{token}")
    assert reply.status in (403, 404) and reply.text.startswith("Nothing was downloaded.")


def test_an_unexpected_failure_says_so_without_a_traceback(served, caplog):
    tokens, _, app = served

    def broken():
        raise RuntimeError("disk on fire at /secret/path")

    reply = get(app, f"/download/{tokens.issue(broken)}")
    assert reply.status == 500
    assert reply.text.startswith("Nothing was downloaded: the file could not be made.")
    assert "secret" not in reply.text and "Traceback" not in reply.text


@pytest.mark.parametrize("name, header", [
    ("progress_cohort-x_2026-03-10.csv", 'attachment; filename="progress_cohort-x_2026-03-10.csv"'),
    ("progress_santé_2026-03-10.csv", "attachment; filename*=utf-8''progress_sant%C3%A9_2026-03-10.csv"),
    ('a";b.csv', "attachment; filename*=utf-8''a%22%3Bb.csv"),
])
def test_file_names_reach_the_browser_intact(name, header):
    assert content_disposition(name) == header


def test_the_route_follows_the_servers_base_path(monkeypatch):
    import streamlit as st

    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda key: "/portal/" if key == "server.baseUrlPath" else real(key))
    from ui.download_route import url_for

    assert [r.path for r in routes(DownloadTokens())] == ["/portal/download/{token}"]
    assert url_for("abc") == "/portal/download/abc"
