"""The role guard every page calls first: who is signed in, whether their session may go on, \
and may they see this page."""

from __future__ import annotations

import streamlit as st

from core.config import get_settings
from core.errors import SessionEnded
from core.identity.accounts import must_change_password
from core.identity.sessions import session_actor
from core.models import Actor, Role
from core.store.db import Database
from ui.db import get_db
from ui.nav import ensure_app_navigation

ACTOR_KEY = "actor_id"
# The id of this tab's session row (core/identity/sessions.py), checked on every run: sign-out elsewhere, a
# password or role change, deactivation or expiry end it.
SESSION_KEY = "auth_session_id"

_ROLE_WORDS = {Role.STUDENT: "students", Role.COUNSELOR: "counselors", Role.ADMIN: "the career office (admins)"}


def start_session(user_id: int, session_id: int) -> None:
    """Remember who signed in in this browser tab, and the session row it goes on."""
    st.session_state[ACTOR_KEY] = user_id
    st.session_state[SESSION_KEY] = session_id


def forget_session() -> None:
    """Forget the signed-in user of this browser tab."""
    for key in (ACTOR_KEY, SESSION_KEY):
        st.session_state.pop(key, None)


def session_user(db: Database) -> Actor | None:
    """The signed-in user; None when nobody signed in; SessionEnded when their session may not go on."""
    user_id = st.session_state.get(ACTOR_KEY)
    if not isinstance(user_id, int):
        return None
    actor = session_actor(db, st.session_state.get(SESSION_KEY), expiry_days=get_settings().cookie_expiry_days)
    if actor.user_id != user_id:
        raise SessionEnded("Please sign in again.")
    return actor


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
