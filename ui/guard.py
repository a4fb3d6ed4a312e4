"""The role guard every page calls first: who is signed in, whether their session may go on, and may they see this page."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from core.accounts import SessionEnded, must_change_password, session_actor
from core.db import Database
from core.models import Actor, Role
from ui.db import get_db
from ui.nav import ensure_app_navigation

ACTOR_KEY = "actor_id"
# When this browser session signed in (naive UTC, microseconds): checked on every run against the
# moment the account's sessions last ended (sign-out elsewhere, password or role change, deactivation).
SIGNED_IN_AT_KEY = "auth_signed_in_at"

_ROLE_WORDS = {Role.STUDENT: "students", Role.COUNSELOR: "counselors", Role.ADMIN: "the career office (admins)"}


def start_session(user_id: int, signed_in_at: datetime) -> None:
    """Remember who signed in in this browser session, and when."""
    st.session_state[ACTOR_KEY] = user_id
    st.session_state[SIGNED_IN_AT_KEY] = signed_in_at


def forget_session() -> None:
    """Forget the signed-in user of this browser session."""
    for key in (ACTOR_KEY, SIGNED_IN_AT_KEY):
        st.session_state.pop(key, None)


def session_user(db: Database) -> Actor | None:
    """The signed-in user; None when nobody signed in; SessionEnded when their session may not go on."""
    user_id = st.session_state.get(ACTOR_KEY)
    if not isinstance(user_id, int):
        return None
    signed_in_at = st.session_state.get(SIGNED_IN_AT_KEY)
    return session_actor(db, user_id, signed_in_at if isinstance(signed_in_at, datetime) else None)


def current_actor(db: Database) -> Actor | None:
    """The signed-in user whose session is still valid, or None."""
    try:
        return session_user(db)
    except SessionEnded:
        return None


def require(*roles: Role, allow_pending_password: bool = False) -> tuple[Database, Actor]:
    """Stop the page with a refusal unless a user with one of the roles is signed in and their session is valid."""
    ensure_app_navigation()
    db = get_db()
    try:
        actor = session_user(db)
    except SessionEnded as exc:
        st.warning(str(exc))
        st.stop()
    if actor is None:
        st.warning("Please sign in to see this page.")
        st.stop()
    if actor.role not in roles:
        allowed = " and ".join(_ROLE_WORDS[r] for r in roles)
        st.error(f"This page is for {allowed}. You are signed in as a {actor.role.value}.")
        st.stop()
    if not allow_pending_password and must_change_password(db, actor):
        st.warning("Choose your own password on the Account page before continuing.")
        st.stop()
    return db, actor
