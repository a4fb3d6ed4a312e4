"""The role guard every page calls first: who is signed in, and may they see this page."""

from __future__ import annotations

import streamlit as st

from core.accounts import load_actor, must_change_password
from core.db import Database
from core.models import Actor, Role
from ui.db import get_db

ACTOR_KEY = "actor_id"

_ROLE_WORDS = {Role.STUDENT: "students", Role.COUNSELOR: "counselors", Role.ADMIN: "the career office (admins)"}


def current_actor(db: Database) -> Actor | None:
    """The signed-in, still active user, or None."""
    user_id = st.session_state.get(ACTOR_KEY)
    if not isinstance(user_id, int):
        return None
    return load_actor(db, user_id)


def require(*roles: Role, allow_pending_password: bool = False) -> tuple[Database, Actor]:
    """Stop the page with a refusal unless a user with one of the roles is signed in."""
    db = get_db()
    actor = current_actor(db)
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
