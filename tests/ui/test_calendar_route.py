"""The calendar route, /calendar/<token>.ics: a valid token gets text/calendar with the student's meetings;
a revoked or unknown token gets 404 and no data; another student's meetings never appear; app.py serves it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from icalendar import Calendar
from starlette.applications import Starlette

from core.campaign import calendar_feed, meetings
from core.config import Settings
from core.models import MeetingCreate, MeetingMode
from tests.campaign_helpers import _contact
from tests.conftest import NOW
from ui.calendar_route import feed_url, routes


def _app(db):
    chosen = Settings(demo_mode=False, cookie_key="a-route-test-signing-key-0123456789abcdef")
    return Starlette(routes=routes(lambda: chosen, lambda _: db))


def get(app, path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET; the status, the headers and the body of the answer."""
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": "GET", "scheme": "https", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"portal.test")], "client": ("127.0.0.1", 5000),
             "server": ("portal.test", 443)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


def _meeting(world, actor, first_name: str, day: int) -> int:
    cid = _contact(world, actor, first_name=first_name)
    return meetings.schedule_meeting(world.db, actor, cid, MeetingCreate(
        starts_at_local=datetime(2026, 3, day, 10), timezone="America/New_York", mode=MeetingMode.VIDEO), now=NOW)


def test_a_valid_token_gets_the_students_meetings_as_text_calendar(world):
    alice_meeting = _meeting(world, world.alice, "Ana", 20)
    bob_meeting = _meeting(world, world.bob, "Boris", 21)
    calendar_feed.new_feed(world.db, world.bob, now=NOW)
    token = calendar_feed.new_feed(world.db, world.alice, now=NOW)
    status, headers, body = get(_app(world.db), f"/calendar/{token}.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-referrer" in headers["referrer-policy"] and "private" in headers["cache-control"]
    uids = [str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert uids == [f"meeting-{alice_meeting}@interview-portal"]
    assert f"meeting-{bob_meeting}@" not in body.decode() and "Boris" not in body.decode()


def test_a_revoked_or_unknown_token_gets_404_and_no_data(world):
    _meeting(world, world.alice, "Ana", 20)
    token = calendar_feed.new_feed(world.db, world.alice, now=NOW)
    app = _app(world.db)
    assert get(app, f"/calendar/{token}.ics")[0] == 200
    calendar_feed.revoke_feed(world.db, world.alice, now=NOW)
    for path in (f"/calendar/{token}.ics", "/calendar/not-a-token.ics", f"/calendar/{token[:-2]}.ics"):
        status, headers, body = get(app, path)
        assert status == 404 and headers["content-type"].startswith("text/plain")
        assert body == b"No calendar at this address." and headers["cache-control"] == "no-store"
    assert get(app, f"/calendar/{token}")[0] == 404  # the address ends in .ics or is no calendar


def test_the_address_is_at_the_portals_own_address():
    settings = Settings(demo_mode=False, base_url="https://portal.college.edu/careers/")
    assert feed_url("abc", settings) == "https://portal.college.edu/careers/calendar/abc.ics"


def test_without_the_public_address_the_address_is_still_whole():
    # Outside a page run there is no browser address to take: this machine's, never a path alone.
    assert feed_url("abc", Settings(demo_mode=False, base_url="")) == "http://localhost:8501/calendar/abc.ics"


def test_app_py_serves_the_calendar_route_beside_the_others():
    import streamlit as st

    from ui import calendar_route, download_route, session_route

    assert [r.path for r in calendar_route.routes()] == ["/calendar/{token}.ics"]
    app_py = Path(__file__).resolve().parents[2] / "app.py"
    st.App(str(app_py), routes=[*download_route.routes(), *session_route.routes(), *calendar_route.routes()])
    assert "*calendar_route.routes()" in app_py.read_text(encoding="utf-8")
