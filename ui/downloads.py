"""The download buttons of the portal: links to /download/<token> (ui/download_route.py), made for this session.

Drawing a button issues a one-time token (core/admin/downloads.py) standing for "make this file, for this
signed-in session, when asked", held by this tab's session: only a request carrying the HttpOnly cookie of
that session redeems it (ui/download_route.py); nothing is made until the click. The click opens the link in a new
tab, which the browser turns into a saved file (and closes), or shows a plain sentence saying why
there is no file; the portal's tab is left as it was, with fresh links.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.admin.downloads import TOKENS, DownloadFile, Maker
from core.config import get_settings
from core.errors import SessionEnded
from core.identity.sessions import session_actor
from core.models import Actor
from core.store.db import Database
from ui.download_route import url_for
from ui.guard import SESSION_KEY


def for_session(db: Database, produce: Callable[[Actor], DownloadFile]) -> Maker:
    """A maker for this browser session's signed-in user (see `session_maker`)."""
    return session_maker(db, st.session_state.get(SESSION_KEY), produce)


def session_maker(db: Database, session_id: object, produce: Callable[[Actor], DownloadFile]) -> Maker:
    """A maker that, when the link is opened, checks the session again (the account still active, the
    session not ended: the page guard's rule), then produces the file for the account as it is at that
    moment, role included. Core checks what that account may have."""

    def make() -> DownloadFile:
        if not isinstance(session_id, int):
            raise SessionEnded("Please sign in to download files.")
        actor = session_actor(db, session_id, expiry_days=get_settings().cookie_expiry_days)
        return produce(actor)

    return make


def download_link(label: str, make: Maker, *, key: str, help: str | None = None,
                  icon: str = ":material/download:") -> None:
    """A button that downloads a file made by make when clicked, sent from disk.

    Each drawing issues a fresh one-time link; the click also reruns the script (the page, or the
    fragment the button is in), so the button holds a fresh link again for the next click.
    """
    holder = st.session_state.get(SESSION_KEY)
    st.link_button(label, url_for(TOKENS.issue(make, holder=holder)), key=key, help=help, icon=icon, on_click="rerun")
