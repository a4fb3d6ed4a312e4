"""The portal's own route, /download/<token>: files sent from disk, never whole in memory.

Streamlit's st.download_button keeps the whole file in the server's memory (its media storage holds
bytes, even when the data is made on the click), which an institution-wide export or a backup
cannot afford. So the portal's download buttons are links to this route (ui/downloads.py draws
them, each with a one-time token from core/admin/downloads.py), and app.py mounts `routes()` into the
Streamlit server with st.App. A link works only for the browser session that drew it: the route reads
the request's HttpOnly re-login cookie (set by ui/session_route.py), and a request whose cookie names
no live session, or another one, is refused (403) without using the link up. A request redeems its
token once, makes the file on disk in a worker thread (the maker checks the account and session again
at that moment), then sends it in 1 MB pieces as an attachment and removes it if it was temporary,
however the sending ends. What cannot be sent gets one plain sentence: 404 (unknown link), 410
(expired or used), 403 (another browser, or the account or session may no longer download), never a
traceback.

app.py imports this module outside any script run, while the server starts, so it must import
nothing that declares Streamlit components (streamlit-authenticator's cookie manager registers its
component only when first imported during a script run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from core.admin.downloads import TOKENS, DownloadFile, DownloadTokens, remove_stale_files
from core.config import Settings, get_settings
from core.errors import AccessDenied, DownloadGone, DownloadUnknown, PortalError, SessionEnded
from core.identity import sessions
from core.store.db import Database, get_database

_LOG = logging.getLogger(__name__)
PATH = "download"
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def base_path() -> str:
    """The server's base path (server.baseUrlPath, empty by default) as '/base' or ''."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def url_for(token: str) -> str:
    """The address of a download, relative to the server: /download/<token> under the base path."""
    return f"{base_path()}/{PATH}/{token}"


def _database(settings: Settings) -> Database:
    return get_database(settings.database_location)


def requesting_session(db: Database, settings: Settings, cookie: str | None) -> int | None:
    """The live session the request's re-login cookie names (None without a cookie, or for one that is over)."""
    live = sessions.from_cookie(db, cookie, key=settings.signing_key(), expiry_days=settings.cookie_expiry_days)
    return None if live is None else live.session_id


def routes(tokens: DownloadTokens = TOKENS, settings_of: Callable[[], Settings] = get_settings,
           database_of: Callable[[Settings], Database] = _database) -> list[Route]:
    """The Starlette route that sends downloads, for st.App(routes=...) (tests pass their own settings and
    database). Called as the server starts, it also removes temporary files an earlier server left behind
    (stopped in the middle of a download)."""
    remove_stale_files()

    async def download(request: Request) -> Response:
        token = request.path_params["token"]
        if request.method != "GET":
            return await serve(tokens, token, request.method)
        settings = settings_of()
        cookie = request.cookies.get(settings.cookie_name)
        holder = ended = None
        if cookie:
            holder = await run_in_threadpool(requesting_session, database_of(settings), settings, cookie)
            if holder is None:  # the browser's session is over: say why (deactivated, signed out, idle)
                ended = await run_in_threadpool(lambda: sessions.why_cookie_ended(
                    database_of(settings), cookie, key=settings.signing_key(),
                    expiry_days=settings.cookie_expiry_days))
        return await serve(tokens, token, request.method, holder=holder, ended=ended)

    return [Route(f"{base_path()}/{PATH}/{{token}}", download, methods=["GET"], name="portal_download")]


async def serve(tokens: DownloadTokens, token: str, method: str = "GET", *, holder: object = None,
                ended: str | None = None) -> Response:
    """Redeem a token for the requesting session (holder), make its file in a worker thread, and send it;
    or a plain message saying why not (ended: why the browser's own session is over, when it is)."""
    if method != "GET":
        # A HEAD (a link preview, a prefetch) must not use up the one-time link.
        return PlainTextResponse("Open this link with a normal click.", status_code=405, headers=_NO_STORE)
    try:
        make = tokens.redeem(token, holder)
    except AccessDenied as exc:
        return _message(f"Nothing was downloaded. {ended}" if ended else str(exc), 403)
    except DownloadUnknown as exc:
        return _message(str(exc), 404)
    except DownloadGone as exc:
        return _message(str(exc), 410)
    made_here: list[DownloadFile] = []
    try:
        await run_in_threadpool(lambda: made_here.append(make()))
    except (SessionEnded, AccessDenied) as exc:
        return _message(f"Nothing was downloaded. {exc}", 403)
    except LookupError as exc:
        return _message(f"Nothing was downloaded. {exc}", 404)
    except PortalError as exc:
        return _message(f"Nothing was downloaded. {exc}", 400)
    except Exception:
        _LOG.exception("A download could not be made")
        return _message("Nothing was downloaded: the file could not be made. Go back to the portal and try again; "
                        "if it fails again, tell the career office.", 500)
    except BaseException:
        # Cancelled (the server stopping) while the file was made: the worker finished first; remove its file.
        for made in made_here:
            made.discard()
        raise
    return _FileResponse(made_here[0])


def _message(text: str, status: int) -> Response:
    return PlainTextResponse(text, status_code=status, headers=_NO_STORE)


def content_disposition(file_name: str) -> str:
    """An attachment header for a file name; names beyond plain ASCII go in RFC 6266's filename*."""
    quoted = quote(file_name)
    if quoted != file_name:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{file_name}"'


class _FileResponse(StreamingResponse):
    """A file sent from disk in pieces, removed afterwards (if temporary) however the sending ends."""

    def __init__(self, made: DownloadFile) -> None:
        self._made = made
        headers = {**_NO_STORE, "Content-Disposition": content_disposition(made.file_name),
                   "Content-Length": str(made.size)}
        super().__init__(made.chunks(), media_type=made.media_type, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # After the last piece, or when the browser went away in the middle.
            await run_in_threadpool(self._made.discard)
