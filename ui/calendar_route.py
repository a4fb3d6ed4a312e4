"""The portal's calendar route, /calendar/<token>.ics: a student's private calendar feed.

Calendar apps (Google, Outlook, Apple) subscribe to an address and read it again every few hours,
without signing in to the portal; the long random token in the address is the only key
(core/campaign/calendar_feed.py keeps its hash, and makes the calendar). A token that opens nothing
(unknown, replaced, revoked, or the account is no longer active) gets a plain 404 that says nothing
about why, so the answer tells no one whether an address once worked.

Mounted by app.py with st.App; like ui/download_route.py it imports no Streamlit component.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.campaign.calendar_feed import feed_calendar
from core.config import Settings, get_settings
from core.store.db import Database, get_database
from ui.download_route import base_path

PATH = "calendar"
# Calendar apps may keep a copy; shared caches and other sites' pages may not.
_HEADERS = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
NOT_FOUND = "No calendar at this address."


def feed_url(token: str, settings: Settings | None = None) -> str:
    """The full address of a calendar feed, at the address people open the portal at: the public address
    (base_url) when it is set, else the address this browser opened the portal at (a calendar app needs
    a whole address, never a path alone)."""
    settings = settings or get_settings()
    if settings.base_url:
        return f"{settings.base_url.rstrip('/')}/{PATH}/{token}.ics"
    opened = urlsplit(st.context.url or "")
    if opened.scheme and opened.netloc:
        return f"{opened.scheme}://{opened.netloc}{base_path()}/{PATH}/{token}.ics"
    return f"{settings.public_address}/{PATH}/{token}.ics"


def _database(settings: Settings) -> Database:
    return get_database(settings.database_location)


def routes(settings_of: Callable[[], Settings] = get_settings,
           database_of: Callable[[Settings], Database] = _database) -> list[Route]:
    """The route for st.App(routes=...) (tests pass their own settings and database)."""

    async def calendar(request: Request) -> Response:
        db = database_of(settings_of())
        data = await run_in_threadpool(feed_calendar, db, request.path_params["token"])
        if data is None:
            return PlainTextResponse(NOT_FOUND, status_code=404, headers={**_HEADERS, "Cache-Control": "no-store"})
        return Response(data, media_type="text/calendar; charset=utf-8",
                        headers={**_HEADERS, "Content-Disposition": 'inline; filename="meetings.ics"'})

    return [Route(f"{base_path()}/{PATH}/{{token}}.ics", calendar, methods=["GET"], name="portal_calendar")]
