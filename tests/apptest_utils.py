"""Helpers for AppTest: run a page as a demo user, and read what a person would see."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.identity.accounts import user_id_for_username
from core.store.db import get_database

ROOT = Path(__file__).resolve().parents[1]


def demo_user_id(db_path: Path, username: str) -> int:
    """The id of a demo account in the test database."""
    return user_id_for_username(get_database(db_path), username)


def sign_in_state(at: AppTest, user_id: int) -> AppTest:
    """Start a session for the user in the configured database and put it into the AppTest's session
    state (as ui.auth does)."""
    from core.config import get_settings
    from core.identity.sessions import PASSWORD, start

    settings = get_settings()
    started = start(get_database(settings.database_location), user_id=user_id, method=PASSWORD,
                    expiry_days=settings.cookie_expiry_days)
    at.session_state["actor_id"] = user_id
    at.session_state["auth_session_id"] = started.session_id
    return at


def run_page(page: str, db_path: Path, username: str | None, *, timeout: float = 30) -> AppTest:
    """Run one page script as a signed-in demo user (or nobody)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
    if username is not None:
        sign_in_state(at, demo_user_id(db_path, username))
    return at.run()


def open_download(at: AppTest, label: str):
    """Open the page's download link with this label as the browser that drew it would: its token is
    redeemed by the page's own session (a link works only there) and the file made."""
    from core.admin.downloads import TOKENS

    (link,) = [b for b in at.get("link_button") if b.proto.label == label]
    return TOKENS.redeem(link.proto.url.rsplit("/", 1)[1], at.session_state["auth_session_id"])()


def texts(at: AppTest) -> str:
    """Everything readable on the page, joined (titles, markdown, text, captions, alerts)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "text", "caption", "error", "warning", "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


def refused(at: AppTest) -> bool:
    """Whether the page stopped with the role guard's refusal and showed nothing else of substance."""
    return any("This page is for" in str(e.value) for e in at.error) and not at.dataframe and not at.title
