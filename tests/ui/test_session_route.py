"""The cookie route, /portal-session: the server sets the re-login cookie HttpOnly, once per sign-in,
and clears it only when its session is over."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie

from starlette.applications import Starlette

from core.config import Settings
from core.identity import accounts, sessions
from core.models import Role
from tests.conftest import make_user
from ui.session_route import HANDOFF_HEADER, routes

KEY = "a-route-test-signing-key-0123456789abcdef"


def _app(db, **settings):
    values = {"cookie_key": KEY, "demo_mode": False, "cookie_expiry_days": 7.0, **settings}
    chosen = Settings(**values)
    return Starlette(routes=routes(lambda: chosen, lambda _: db))


def call(app, method: str, headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """One request; the status and the Set-Cookie headers of the answer."""
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()] + [(b"host", b"portal.test")]
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": "/portal-session", "raw_path": b"/portal-session",
             "query_string": b"", "root_path": "", "headers": raw, "client": ("127.0.0.1", 5000),
             "server": ("portal.test", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start["status"], [v.decode() for k, v in start["headers"] if k == b"set-cookie"]


def _signed_in(db):
    ana = make_user(db, "ana", Role.STUDENT)
    return ana, sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7)


def test_the_handoff_code_gets_an_httponly_cookie_once(db):
    _, started = _signed_in(db)
    app = _app(db)
    status, cookies = call(app, "POST", {HANDOFF_HEADER: started.handoff})
    assert status == 204 and len(cookies) == 1
    header = cookies[0]
    parsed = SimpleCookie(header)["interview_portal_auth"]
    assert parsed["httponly"] and parsed["samesite"].lower() == "lax" and parsed["path"] == "/"
    assert 7 * 86400 - 60 <= int(parsed["max-age"]) <= 7 * 86400
    assert not parsed["secure"], "a portal opened over http cannot use a Secure cookie"
    assert sessions.from_cookie(db, parsed.value, key=KEY, expiry_days=7) is not None
    assert call(app, "POST", {HANDOFF_HEADER: started.handoff}) == (410, []), "a code works once"
    assert call(app, "POST", {}) == (410, []), "no code, no cookie"


def test_the_cookie_is_secure_when_the_portal_is_served_over_https(db):
    _, started = _signed_in(db)
    _, cookies = call(_app(db, base_url="https://portal.college.edu"), "POST", {HANDOFF_HEADER: started.handoff})
    assert SimpleCookie(cookies[0])["interview_portal_auth"]["secure"]


def test_a_live_cookie_is_kept_and_a_dead_one_cleared(db):
    ana, started = _signed_in(db)
    app = _app(db)
    _, cookies = call(app, "POST", {HANDOFF_HEADER: started.handoff})
    value = SimpleCookie(cookies[0])["interview_portal_auth"].value
    sent = {"cookie": f"interview_portal_auth={value}"}
    assert call(app, "DELETE", sent) == (204, []), "a newer sign-in's cookie survives a late sign-out request"
    accounts.revoke_sessions(db, ana)
    status, cleared = call(app, "DELETE", sent)
    assert status == 204 and len(cleared) == 1
    assert SimpleCookie(cleared[0])["interview_portal_auth"]["max-age"] == "0"
    assert call(app, "DELETE", {}) == (204, [])


def test_the_cookie_of_a_session_left_idle_is_cleared_under_the_routes_idle_setting(db):
    _, started = _signed_in(db)
    app = _app(db, session_idle_minutes=30)
    _, cookies = call(app, "POST", {HANDOFF_HEADER: started.handoff})
    sent = {"cookie": f"interview_portal_auth={SimpleCookie(cookies[0])['interview_portal_auth'].value}"}
    assert call(app, "DELETE", sent) == (204, []), "in use: kept"
    with db.cursor() as cur:
        cur.execute("UPDATE sessions SET last_seen = last_seen - INTERVAL '31 minutes' WHERE id = ?",
                    [started.session_id])
    status, cleared = call(app, "DELETE", sent)
    assert status == 204 and len(cleared) == 1, "unused for longer than the idle time: dropped"
    assert SimpleCookie(cleared[0])["interview_portal_auth"]["max-age"] == "0"
