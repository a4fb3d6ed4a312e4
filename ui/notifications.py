"""Streamlit glue for notifications: the bell with the unread count at the top of every page, and opening a
notification's page."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from core.messaging.notify import Notification, mark_read, unread_count
from core.models import Actor
from core.store.db import Database
from ui.nav import NOTIFICATIONS_PAGE

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
# The bell's row at the top of the page (its element carries the class st-key-<key>, which the tests find).
BELL_KEY = "portal_bell"
# A notification's page is a url path of one of the portal's own page scripts: nothing else is opened.
_URL_PATH = re.compile(r"[a-z][a-z0-9_]{0,60}")


def bell_label(count: int) -> str:
    """The bell's words: "Notifications · 3", or just "Notifications" when nothing is unread."""
    return f"Notifications · {count:,}" if count else "Notifications"


def bell(db: Database, actor: Actor) -> None:
    """The link to the notifications page with the unread count (one count query per run), at the top right
    of the page: on a phone the sidebar is closed, and the bell must show without opening it."""
    count = unread_count(db, actor)
    where = st.container(horizontal=True, horizontal_alignment="right", key=BELL_KEY)
    where.page_link(NOTIFICATIONS_PAGE, label=bell_label(count),
                    icon=":material/notifications_active:" if count else ":material/notifications:",
                    help=f"{count:,} unread" if count else "Nothing unread")


def page_script(notification: Notification) -> str | None:
    """The page script a notification opens (pages/<url path>.py), or None when it names no page of the portal."""
    if not _URL_PATH.fullmatch(notification.page or ""):
        return None
    if not (PAGES_DIR / f"{notification.page}.py").is_file():
        return None
    return f"pages/{notification.page}.py"


def open_notification(db: Database, actor: Actor, notification: Notification) -> bool:
    """Mark the notification read and go to its page with its parameters; False when it names no page to open."""
    script = page_script(notification)
    mark_read(db, actor, notification.id)
    if script is None:
        return False
    # The page checks the role and the ids in the address itself, as for any address typed in.
    st.switch_page(script, query_params=notification.params)
