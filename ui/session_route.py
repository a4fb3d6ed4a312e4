"""The portal's cookie route, /portal-session: the server sets and clears the re-login cookie, HttpOnly.

Streamlit's script runs cannot answer an HTTP request, so they cannot set a cookie themselves. After
a sign-in, the tab's page runs one small script (ui/auth.py) that sends the session's one-time
handoff code here; this route trades it for the signed session id (core/identity/sessions.py) and sets
the cookie HttpOnly, so no page script can read it. A DELETE clears the cookie when the session it
names is over (signed out, revoked, expired): a cookie of a newer sign-in in the same browser is
kept, whatever order the browser sends the two requests in.

The code travels in a request header, which a page of another site cannot add without the
portal's consent (no CORS is offered), so no other site can sign a browser in or out.

Mounted by app.py with st.App; like ui/download_route.py it imports no Streamlit component.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.config import Settings, get_settings
from core.identity import sessions
from core.store.db import Database, get_database
from ui.download_route import base_path

PATH = "portal-session"
HANDOFF_HEADER = "X-Portal-Handoff"
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def url() -> str:
    """The route's address, relative to the server (under server.baseUrlPath)."""
    return f"{base_path()}/{PATH}"


def cookie_path() -> str:
    """The path the cookie is set for: the whole portal."""
    return base_path() or "/"


def secure_cookie(settings: Settings) -> bool:
    """Whether the cookie is sent over HTTPS only: when people open the portal at an https address."""
    return settings.base_url.lower().startswith("https://")


def _database(settings: Settings) -> Database:
    return get_database(settings.database_location)


def routes(settings_of: Callable[[], Settings] = get_settings,
           database_of: Callable[[Settings], Database] = _database) -> list[Route]:
    """The route for st.App(routes=...) (tests pass their own settings and database)."""

    async def session_cookie(request: Request) -> Response:
        settings = settings_of()
        db = database_of(settings)
        if request.method == "POST":
            return await run_in_threadpool(_set, db, settings, request.headers.get(HANDOFF_HEADER, ""))
        return await run_in_threadpool(_clear, db, settings, request.cookies.get(settings.cookie_name))

    return [Route(url(), session_cookie, methods=["POST", "DELETE"], name="portal_session")]


def _set(db: Database, settings: Settings, handoff: str) -> Response:
    cookie = sessions.redeem_handoff(db, handoff, key=settings.signing_key(), expiry_days=settings.cookie_expiry_days)
    if cookie is None:
        return Response("This sign-in link was used or has expired.", status_code=410, headers=_NO_STORE)
    response = Response(status_code=204, headers=_NO_STORE)
    max_age = None
    if cookie.expires_at is not None:
        max_age = max(0, int((cookie.expires_at - sessions.moment()).total_seconds()))
    response.set_cookie(settings.cookie_name, cookie.value, max_age=max_age, path=cookie_path(), httponly=True,
                        samesite="lax", secure=secure_cookie(settings))
    return response


def _clear(db: Database, settings: Settings, value: str | None) -> Response:
    response = Response(status_code=204, headers=_NO_STORE)
    if value is None:
        return response
    if sessions.from_cookie(db, value, key=settings.signing_key(), expiry_days=settings.cookie_expiry_days,
                            idle_minutes=settings.session_idle_minutes) is None:
        response.delete_cookie(settings.cookie_name, path=cookie_path(), httponly=True, samesite="lax",
                               secure=secure_cookie(settings))
    return response
