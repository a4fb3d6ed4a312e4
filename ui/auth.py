"""Sign-in with streamlit-authenticator over credentials stored in DuckDB, with throttling.

The authenticator draws the form, checks the bcrypt hash and keeps the re-login cookie. Around
it: credentials come from the database on every run, what it changes (failed attempts, new
password hashes) is written back, and throttled usernames or client addresses are given hashes
no password matches, so the form refuses them and the page says when to try again.
"""

from __future__ import annotations

from datetime import datetime

import extra_streamlit_components as stx
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.controllers import AuthenticationController, CookieController
from streamlit_authenticator.models import CookieModel
from streamlit_authenticator.utilities import Encryptor
from streamlit_authenticator.utilities.exceptions import LoginError

from core import accounts
from core.clock import utcnow
from core.config import Settings
from core.db import Database
from core.models import Actor
from ui.guard import ACTOR_KEY, current_actor
from ui.widgets import local

_COOKIE_PENDING = "auth_cookie_pending"
_COOKIE_DELETE = "auth_cookie_delete"
AUTHENTICATOR_KEY = "app_authenticator"
LOGIN_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}


def client_address() -> str | None:
    """The browser's address as Streamlit sees it (None in tests and behind some proxies)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context
        return None
    return address if isinstance(address, str) else None  # AppTest gives a stand-in object


class _LazyCookieModel(CookieModel):
    """The authenticator's cookie model, drawing its browser component only to set or delete.

    The library reads the cookie from st.context.cookies; its component is needed only to write.
    Drawn on every run, the component reports the browser's cookies after the first load and so
    forces a second script run, in which a click can be lost and a page opened by its address can
    fall back to the home page.
    """

    def __init__(self, name: str, key: str, expiry_days: float) -> None:  # noqa: D107 - see class
        self.cookie_name, self.cookie_key, self.cookie_expiry_days = name, key, expiry_days
        self.token = None
        self.exp_date = None
        self._manager = None

    @property
    def cookie_manager(self) -> stx.CookieManager:
        if self._manager is None:
            self._manager = stx.CookieManager(key="auth_cookie_writer")
        return self._manager


class _PortalAuthenticator(stauth.Authenticate):
    """streamlit-authenticator's Authenticate with the lazy cookie model (same widgets, same cookie)."""

    def __init__(self, credentials: dict, cookie_name: str, cookie_key: str, cookie_expiry_days: float) -> None:  # noqa: D107
        self.api_key = None
        self.attrs = {"login_sleep_time": 0}
        self.secret_key = cookie_key
        self.path = None
        self.cookie_controller = CookieController.__new__(CookieController)
        self.cookie_controller.cookie_model = _LazyCookieModel(cookie_name, cookie_key, cookie_expiry_days)
        self.authentication_controller = AuthenticationController(credentials, None, False, None, None, cookie_key, None)
        self.encryptor = Encryptor(cookie_key)


def portal_authenticator(settings: Settings, credentials: dict) -> stauth.Authenticate:
    """streamlit-authenticator over the given credentials, drawing no cookie component until it writes one."""
    return _PortalAuthenticator(credentials, settings.cookie_name, settings.cookie_key, settings.cookie_expiry_days)


def signed_in_authenticator(db: Database, settings: Settings, actor: Actor) -> stauth.Authenticate:
    """The authenticator for a signed-in user (for sign-out and password change)."""
    auth = portal_authenticator(settings, accounts.authenticator_credentials(db, only_user_id=actor.user_id))
    if st.session_state.pop(_COOKIE_PENDING, False) and st.session_state.get("username"):
        # Set here, on the first run after sign-in, so the component is not dropped by the rerun.
        auth.cookie_controller.set_cookie()
    st.session_state[AUTHENTICATOR_KEY] = auth
    return auth


def sign_in(db: Database, settings: Settings) -> Actor | None:
    """The signed-in user, or None after drawing the sign-in form (and any refusal message)."""
    actor = current_actor(db)
    if actor is not None:
        return actor
    st.session_state.pop(ACTOR_KEY, None)
    now = utcnow()
    address = client_address()
    limits = dict(max_per_user=settings.login_max_failures_per_user, minutes=settings.login_lockout_minutes)
    address_lock = accounts.lockout(db, username=None, address=address, now=now,
                                    max_per_address=settings.login_max_failures_per_address,
                                    minutes=settings.login_lockout_minutes)
    credentials = accounts.authenticator_credentials(
        db, locked_usernames=accounts.locked_usernames(db, now=now, **limits), lock_all=address_lock is not None)
    before = {u: v["failed_login_attempts"] for u, v in credentials["usernames"].items()}
    auth = portal_authenticator(settings, credentials)
    if st.session_state.pop(_COOKIE_DELETE, False):
        # Deleted on the run after sign-out: a component drawn just before a rerun never reaches the browser.
        auth.cookie_controller.delete_cookie()
    token = auth.cookie_controller.get_cookie()
    if token and not accounts.cookie_still_valid(db, token["username"], _issued_at(token, settings)):
        # A cookie from before the user signed out: ignore it here and remove it from the browser.
        st.session_state["logout"] = True
        auth.cookie_controller.delete_cookie()
        token = None
    by_cookie = bool(token)
    try:
        auth.login(location="main", fields=LOGIN_FIELDS, key="app_login")
    except LoginError:
        # A re-login cookie for an account that is gone or deactivated: forget it.
        st.session_state["logout"] = True
        st.session_state["authentication_status"] = None
        auth.cookie_controller.delete_cookie()
        st.info("Your session has ended. Please sign in again.")
        return None
    status = st.session_state.get("authentication_status")
    if status:
        username = st.session_state["username"]
        accounts.record_login_attempt(db, username=username, address=address, succeeded=True, now=now)
        st.session_state[ACTOR_KEY] = accounts.user_id_for_username(db, username)
        if by_cookie:
            # Back with a valid cookie: carry on in this run so the page in the address bar opens.
            return current_actor(db)
        st.session_state[_COOKIE_PENDING] = True
        st.rerun()
    if status is False:
        changed = [u for u, v in credentials["usernames"].items() if v["failed_login_attempts"] != before[u]]
        username = changed[0] if changed else None
        accounts.record_login_attempt(
            db, username=username, address=address, succeeded=False, now=now,
            failed_count=credentials["usernames"][username]["failed_login_attempts"] if username else None)
        # Reset so that the next rerun (any click) does not count the same attempt again.
        st.session_state["authentication_status"] = None
        lock = accounts.lockout(db, username=username, address=address, now=now,
                                max_per_address=settings.login_max_failures_per_address, **limits)
        if lock is not None:
            st.error(_lock_message(lock.until, now))
        else:
            st.error("Username or password is incorrect.")
    return None


def _issued_at(token: dict, settings: Settings) -> datetime:
    """When a re-login cookie was issued (naive UTC), from its expiry and the configured lifetime."""
    from datetime import timezone

    issued = token["exp_date"] - settings.cookie_expiry_days * 86400
    return datetime.fromtimestamp(issued, tz=timezone.utc).replace(tzinfo=None)


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (f"Too many failed sign-ins. Try again after {local(until):%H:%M} "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''}), or ask the career office to unlock the account.")


def sign_out(db: Database, actor: Actor, auth: stauth.Authenticate) -> None:
    """End the session, revoke the user's re-login cookies and delete the browser's copy."""
    accounts.revoke_sessions(db, actor)
    auth.logout(location="unrendered")
    for key in (ACTOR_KEY, _COOKIE_PENDING, AUTHENTICATOR_KEY):
        st.session_state.pop(key, None)
    st.session_state[_COOKIE_DELETE] = True
