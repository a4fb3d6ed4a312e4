"""Sign-in: the form, the session of each browser tab, and streamlit-authenticator's re-login cookie.

The password check and its throttling are core's (accounts.password_sign_in), the same for
usernames that exist and those that do not. streamlit-authenticator signs, reads, writes and
deletes the re-login cookie; a cookie counts only if issued after the account's sessions last
ended. Every run checks the tab's session against the database (ui.guard.session_user).
"""

from __future__ import annotations

from datetime import datetime

import extra_streamlit_components as stx
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.controllers import AuthenticationController, CookieController
from streamlit_authenticator.models import CookieModel
from streamlit_authenticator.utilities import Encryptor

from core import accounts
from core.clock import utcnow
from core.config import Settings
from core.db import Database
from core.models import Actor
from core.db import scalar
from ui.guard import SIGNED_IN_AT_KEY, current_actor, forget_session, session_user, start_session
from ui.widgets import local

_COOKIE_PENDING = "auth_cookie_pending"
_COOKIE_DELETE = "auth_cookie_delete"
_DELETE_RUNS = 3
_NOTICE = "auth_session_notice"
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
    return _PortalAuthenticator(credentials, settings.cookie_name, settings.signing_key(), settings.cookie_expiry_days)


def signed_in_authenticator(db: Database, settings: Settings, actor: Actor) -> stauth.Authenticate:
    """The authenticator for a signed-in user (it writes and deletes the re-login cookie)."""
    auth = portal_authenticator(settings, accounts.authenticator_credentials(db, only_user_id=actor.user_id))
    if st.session_state.pop(_COOKIE_PENDING, False) and st.session_state.get("username"):
        # Set here, on the first run after sign-in, so the component is not dropped by the rerun.
        auth.cookie_controller.set_cookie()
    st.session_state[AUTHENTICATOR_KEY] = auth
    return auth


def _begin(db: Database, user_id: int, signed_in_at: datetime) -> None:
    """Start the session of this browser tab for the user (the cookie itself is written on the next run)."""
    start_session(user_id, signed_in_at)
    st.session_state.pop(_COOKIE_DELETE, None)  # signed in again: the new cookie must not be deleted
    with db.cursor() as cur:
        username = scalar(cur, "SELECT username FROM users WHERE id = ?", [user_id])
    # What the authenticator's cookie writer reads to name the user in the cookie.
    st.session_state["username"] = username
    st.session_state["authentication_status"] = True


def _end(message: str | None = None) -> None:
    """Forget the session of this tab and have its re-login cookie deleted; keep a message to show."""
    forget_session()
    for key in (_COOKIE_PENDING, AUTHENTICATOR_KEY):
        st.session_state.pop(key, None)
    st.session_state["authentication_status"] = None
    st.session_state["username"] = None
    # Asked of the browser on the next few runs, not one: a run the cookie component itself triggers
    # can replace the one that carried the request before the browser acted on it (seen under load).
    st.session_state[_COOKIE_DELETE] = _DELETE_RUNS
    # The library's flag: this tab reads no re-login cookie any more (the one the browser sent when
    # the tab opened is still listed in st.context.cookies until a reload).
    st.session_state["logout"] = True
    if message:
        st.session_state[_NOTICE] = message


def keep_session_after_password_change(signed_in_at: datetime) -> None:
    """The tab that changed the password goes on (every other one ended); its cookie is issued anew."""
    st.session_state[SIGNED_IN_AT_KEY] = signed_in_at
    st.session_state[_COOKIE_PENDING] = True


def sign_in(db: Database, settings: Settings) -> Actor | None:
    """The signed-in user, or None after drawing the sign-in form (and any refusal message).

    A session that may no longer go on (account deactivated, password or role changed, signed
    out elsewhere) ends here, on its next run: it is told why once, its cookie is deleted, and
    nothing is written.
    """
    try:
        actor = session_user(db)
    except accounts.SessionEnded as exc:
        _end(str(exc))
        actor = None
    if actor is not None:
        return actor
    forget_session()
    # Only the cookie is the authenticator's business here: it needs no credentials.
    auth = portal_authenticator(settings, {"usernames": {}})
    runs_left = int(st.session_state.pop(_COOKIE_DELETE, 0) or 0)
    if runs_left > 0:
        # Drawn in a run that ends without a rerun, so the component reaches the browser; deleting a
        # cookie already gone does nothing.
        auth.cookie_controller.delete_cookie()
        if runs_left > 1:
            st.session_state[_COOKIE_DELETE] = runs_left - 1
    now = utcnow()
    address = client_address()
    token = auth.cookie_controller.get_cookie()
    if token and not st.session_state.get(_NOTICE):
        user_id = accounts.user_id_for_username(db, token["username"])
        if (user_id is not None and accounts.load_actor(db, user_id) is not None
                and accounts.cookie_still_valid(db, token["username"], _issued_at(token, settings))):
            # Back with a valid cookie: carry on in this run so the page in the address bar opens.
            accounts.record_login_attempt(db, username=token["username"], address=address, succeeded=True, now=now)
            _begin(db, user_id, accounts.session_moment())
            return current_actor(db)
        # A cookie from before the user's sessions ended, or of an account that is gone: remove it.
        st.session_state["logout"] = True
        auth.cookie_controller.delete_cookie()
    if notice := st.session_state.get(_NOTICE):
        st.warning(notice, icon=":material/logout:")
    with st.form("app_login"):
        st.subheader(LOGIN_FIELDS["Form name"])
        username = st.text_input(LOGIN_FIELDS["Username"], key="app_login_username", autocomplete="username")
        password = st.text_input(LOGIN_FIELDS["Password"], type="password", key="app_login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(LOGIN_FIELDS["Login"])
    if not submitted:
        return None
    st.session_state.pop(_NOTICE, None)
    try:
        user_id = accounts.password_sign_in(
            db, username=username, password=password, address=address, now=now,
            max_per_user=settings.login_max_failures_per_user,
            max_per_address=settings.login_max_failures_per_address, minutes=settings.login_lockout_minutes)
    except accounts.SignInRefused as exc:
        st.error(_lock_message(exc.until, now) if exc.until else str(exc))
        return None
    _begin(db, user_id, accounts.session_moment())
    st.session_state[_COOKIE_PENDING] = True
    st.rerun()


def _issued_at(token: dict, settings: Settings) -> datetime:
    """When a re-login cookie was issued (naive UTC), from its expiry and the configured lifetime."""
    from datetime import timezone

    issued = token["exp_date"] - settings.cookie_expiry_days * 86400
    return datetime.fromtimestamp(issued, tz=timezone.utc).replace(tzinfo=None)


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (f"Too many failed sign-ins. Try again after {local(until):%H:%M} "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''}), or ask the career office to unlock the account.")


def sign_out(db: Database, actor: Actor) -> None:
    """End the session, every other session and re-login cookie of the user, and delete this browser's copy."""
    accounts.revoke_sessions(db, actor)
    _end()
