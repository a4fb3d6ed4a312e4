"""Sign-in: the form, single sign-on, the session of each browser tab, and the re-login cookie the server sets.

The password check and its throttling are core's (accounts.password_sign_in), the same for
usernames that exist and those that do not. A sign-in starts a session row (core/identity/sessions.py);
the tab keeps its id and checks it on every run (ui.guard.session_user). The re-login cookie is
set by the portal's own route (ui/session_route.py), HttpOnly: the run after sign-in draws one
small script that sends the session's one-time handoff code there. A later visit reads the cookie
from the request (st.context.cookies) and joins its session if that is still live.

Single sign-on is Streamlit's st.login with the institution's OpenID Connect provider: once the
provider has said who the person is (st.user), core.identity.sso finds their account by verified email and
a session starts like any other. The career office may close password sign-in to all but one
break-glass admin.

Only Streamlit's documented API is used: st.context for the request's cookies, headers and
address, st.html for the script, st.form for the form, st.login / st.logout / st.user for single
sign-on. No library internals, no component.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import streamlit as st

from core.clock import utcnow
from core.config import Settings
from core.errors import SessionEnded, SignInRefused, SSORefused
from core.identity import accounts, sessions, sso
from core.identity.proxies import client_address as client_address_from
from core.identity.proxies import server_peer
from core.models import Actor
from core.store.db import Database
from ui.guard import ACTOR_KEY, SESSION_KEY, current_actor, forget_session, session_user, start_session
from ui.session_route import HANDOFF_HEADER
from ui.session_route import url as session_url
from ui.widgets import local

# The one-time code of this tab's session, until the browser has traded it for the cookie.
_HANDOFF = "auth_cookie_handoff"
# Set when this tab signed out: the signed-out page asks the browser to drop its dead cookie.
_CLEAR = "auth_cookie_clear"
_NOTICE = "auth_session_notice"
# What the sign-in form held when it was submitted (set by its callback, taken by the run).
_TYPED = "auth_typed"
# What the person had typed when their session ended (whose it was, and the values by widget key), brought
# back when the same person signs in again in this tab.
_KEPT = "auth_kept_typing"
LOGIN_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}


def client_address(settings: Settings) -> str | None:
    """The browser's address for the sign-in throttle: the connection's peer, or behind a trusted
    proxy the client it names in X-Forwarded-For (core.identity.proxies). None in AppTest."""
    try:
        peer = st.context.ip_address
        headers = st.context.headers
        forwarded = ", ".join(headers.get_all("X-Forwarded-For"))  # a repeated header counts as one list
        connected = len(headers) > 0
    except Exception:  # noqa: BLE001 - no request context
        return None
    if not isinstance(peer, str):
        # Streamlit gives None for a loopback peer (a proxy on the same machine); AppTest has no request.
        peer = "127.0.0.1" if connected else None
    if peer is None:
        return None
    # The web server may already have put an X-Forwarded-For entry in the peer's place: undone here.
    peer = server_peer(peer, forwarded, os.environ.get("FORWARDED_ALLOW_IPS"))
    return client_address_from(peer, forwarded, settings.trusted_proxy_networks)


def _request_cookie(settings: Settings) -> str | None:
    """The re-login cookie the browser sent when this tab connected (None in AppTest)."""
    try:
        value = st.context.cookies.get(settings.cookie_name)
    except Exception:  # noqa: BLE001 - no request context
        return None
    return value if isinstance(value, str) else None


def _script(body: str) -> None:
    """Run a line of JavaScript in the page (st.html runs it when drawn, and again only if it changes)."""
    st.html("<script>" + body.replace("</", "<\\/") + "</script>", unsafe_allow_javascript=True)


def keep_cookie(db: Database, settings: Settings) -> None:
    """On the runs after a sign-in, until it is done: have the browser trade the handoff code for its cookie."""
    pending = st.session_state.get(_HANDOFF)
    if not pending:
        return
    session_id, code, until = pending
    if sessions.moment() >= until or sessions.cookie_issued(db, session_id):
        st.session_state.pop(_HANDOFF, None)
        return
    _script(f"fetch({json.dumps(session_url())}, {{method: 'POST', credentials: 'same-origin', cache: 'no-store', "
            f"headers: {{{json.dumps(HANDOFF_HEADER)}: {json.dumps(code)}}}}});")


def _clear_cookie() -> None:
    """Ask the browser to drop its re-login cookie; the route drops it only if its session is over."""
    _script(f"fetch({json.dumps(session_url())}, {{method: 'DELETE', credentials: 'same-origin', cache: 'no-store'}});")


def _begin(user_id: int, started: sessions.Started | int) -> None:
    """Start this tab's session (a new one with a cookie to issue, or the one a cookie names)."""
    _bring_back_typing(user_id)
    if isinstance(started, sessions.Started):
        start_session(user_id, started.session_id)
        st.session_state[_HANDOFF] = (started.session_id, started.handoff,
                                      sessions.moment() + sessions.HANDOFF_WAIT)
    else:
        start_session(user_id, started)
    st.session_state.pop(_CLEAR, None)


def _keep_typing() -> None:
    """Keep what the person had typed or chosen when their session ended (the values the click that found it
    ended sent: a form's fields once it was submitted, other fields as soon as they were left), so that signing
    in again brings them back instead of the sign-in form wiping them (Streamlit drops the state of widgets a
    run does not draw). Text and numbers only: buttons and uploads cannot be given back."""
    owner = st.session_state.get(ACTOR_KEY)
    if not isinstance(owner, int):
        return
    kept = {key: value for key, value in st.session_state.to_dict().items()
            if isinstance(key, str) and not key.startswith(("auth_", "app_")) and key not in (ACTOR_KEY, SESSION_KEY)
            and isinstance(value, (str, int, float)) and not isinstance(value, bool)}
    if kept:
        st.session_state[_KEPT] = (owner, kept)


def _bring_back_typing(user_id: int) -> None:
    """Give back what was kept when this tab's session ended, if the same person signed in again (another
    person signing in at this browser sees none of it)."""
    kept = st.session_state.pop(_KEPT, None)
    if not kept or kept[0] != user_id:
        return
    for key, value in kept[1].items():
        # Set through the Session State API even where the key is still held: only a value set so is drawn
        # into the widget when it appears again (a held widget value is not sent to the browser).
        st.session_state[key] = value


def _end(message: str | None = None) -> None:
    """Forget the session of this tab; keep a message to show."""
    forget_session()
    st.session_state.pop(_HANDOFF, None)
    st.session_state[_CLEAR] = True
    if message:
        st.session_state[_NOTICE] = message


def start_new_session(db: Database, settings: Settings, actor: Actor, method: str = sessions.PASSWORD) -> None:
    """Start a session for the actor in this tab, its cookie issued on the next run."""
    _begin(actor.user_id, sessions.start(db, user_id=actor.user_id, method=method, address=client_address(settings),
                                         expiry_days=settings.cookie_expiry_days))


def _keep_typed() -> None:
    """The form's submit, as a callback: on the first run of a page the form is drawn before st.navigation
    knows the page, so in the next run its widgets are new ones and what was typed (and the click) would
    be lost; the callback still sees them."""
    st.session_state[_TYPED] = (st.session_state.get("app_login_username") or "",
                                st.session_state.get("app_login_password") or "")


def _sso_configured(settings: Settings) -> bool:
    """Whether single sign-on is set up: a provider named for the portal and Streamlit's [auth] secrets."""
    if not settings.sso_provider:
        return False
    try:
        return "is_logged_in" in st.user  # Streamlit adds it only when [auth] is configured
    except Exception:  # noqa: BLE001 - no script run
        return False


def _provider_signed_in() -> bool:
    try:
        return bool("is_logged_in" in st.user and st.user.is_logged_in)
    except Exception:  # noqa: BLE001 - no script run
        return False


def _issued_at(value: object) -> datetime | None:
    """The identity token's issue time ("iat", seconds since 1970) as naive UTC."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc).replace(tzinfo=None)


def _sso_sign_in(db: Database, settings: Settings, address: str | None, now: datetime) -> SSORefused | None:
    """Start a session for the person the provider signed in; the refusal when there is no account for them."""
    user = st.user
    try:
        found = sso.sign_in(db, email=user.get("email"), email_verified=user.get("email_verified"),
                            issued_at=_issued_at(user.get("iat")),
                            claims={k: user.get(k) for k in ("given_name", "family_name", "name")},
                            require_verified=settings.sso_require_verified_email, now=now)
    except SSORefused as exc:
        return exc
    accounts.record_login_attempt(db, username=found.username, address=address, succeeded=True, now=now)
    _begin(found.user_id, sessions.start(db, user_id=found.user_id, method=sessions.SSO, address=address,
                                         expiry_days=settings.cookie_expiry_days))
    st.session_state.pop(_NOTICE, None)
    return None


def _sso_refused(settings: Settings, refused: SSORefused, notice: str | None = None) -> None:
    """The page for a provider sign-in without a portal account (or one that may not sign in); after this tab's
    own session ended (notice: why, such as going idle), the page to sign in with the provider again."""
    if refused.ended and notice:
        st.subheader(LOGIN_FIELDS["Form name"], anchor=False)
        st.warning(notice, icon=":material/logout:")
    else:
        st.subheader("You cannot use the portal with this account", anchor=False)
        st.error(str(refused), icon=":material/person_off:")
    # Callbacks, as for the sign-in button (see sign_in).
    if refused.ended:
        st.button(f"Sign in again with {settings.sso_label}", key="app_sso_again", type="primary",
                  on_click=st.login, args=(settings.sso_provider,))
    st.button(f"Sign out of {settings.sso_label}", key="app_sso_out", on_click=st.logout,
              help="To sign in with another account, or with a username and password.")


def sign_in(db: Database, settings: Settings) -> Actor | None:
    """The signed-in user, or None after drawing the sign-in form (and any refusal message).

    A session that may no longer go on (account deactivated, password or role changed, signed
    out elsewhere, expired, unused for the idle time) ends here, on its next run: it is told why once,
    and nothing is written; what the person had typed is kept for when they sign in again.
    """
    try:
        actor = session_user(db)
    except SessionEnded as exc:
        _keep_typing()
        _end(str(exc))
        actor = None
    if actor is not None:
        return actor
    forget_session()
    now = utcnow()
    address = client_address(settings)
    cookie = _request_cookie(settings)
    if cookie and not st.session_state.get(_CLEAR):
        live = sessions.from_cookie(db, cookie, key=settings.signing_key(), expiry_days=settings.cookie_expiry_days,
                                    idle_minutes=settings.session_idle_minutes)
        if live is not None:
            # Back with a live cookie: carry on in this run so the page in the address bar opens.
            accounts.record_login_attempt(db, username=live.username, address=address, succeeded=True, now=now)
            _begin(live.user_id, live.session_id)
            return current_actor(db)
        st.session_state[_CLEAR] = True  # a cookie of a session that is over: have the browser drop it
    if st.session_state.get(_CLEAR):
        _clear_cookie()
    sso_on = _sso_configured(settings)
    if sso_on and _provider_signed_in():
        refused = _sso_sign_in(db, settings, address, now)
        if refused is None:
            return current_actor(db)
        _sso_refused(settings, refused, st.session_state.get(_NOTICE))
        return None
    if notice := st.session_state.get(_NOTICE):
        st.warning(notice, icon=":material/logout:")
    password_only_for_emergencies = False
    if sso_on:
        st.subheader(LOGIN_FIELDS["Form name"], anchor=False)
        # As a callback: the first run of a page draws this before st.navigation knows the page, so the
        # button's identity differs in the next run and its return value would be lost; its callback is not.
        st.button(f"Sign in with {settings.sso_label}", key="app_sso_sign_in", type="primary", icon=":material/login:",
                  on_click=st.login, args=(settings.sso_provider,))
        password_only_for_emergencies = sso.policy(db).require_sso
    password_box = (st.expander("Emergency sign-in for the career office") if password_only_for_emergencies
                    else st.container())
    with password_box, st.form("app_login"):
        if not sso_on:
            st.subheader(LOGIN_FIELDS["Form name"], anchor=False)
        st.text_input(LOGIN_FIELDS["Username"], key="app_login_username", autocomplete="username")
        st.text_input(LOGIN_FIELDS["Password"], type="password", key="app_login_password",
                      autocomplete="current-password")
        st.form_submit_button(LOGIN_FIELDS["Login"] if not sso_on else "Sign in with a password",
                              on_click=_keep_typed)
    typed = st.session_state.pop(_TYPED, None)
    if typed is None:
        return None
    username, password = typed
    st.session_state.pop(_NOTICE, None)
    if not sso.password_sign_in_open(db, username):
        st.error(sso.PASSWORD_CLOSED_MESSAGE)
        return None
    try:
        user_id = accounts.password_sign_in(
            db, username=username, password=password, address=address, now=now,
            max_per_user=settings.login_max_failures_per_user,
            max_per_address=settings.login_max_failures_per_address, minutes=settings.login_lockout_minutes)
    except SignInRefused as exc:
        st.error(_lock_message(exc.until, now) if exc.until else str(exc))
        return None
    _begin(user_id, sessions.start(db, user_id=user_id, method=sessions.PASSWORD, address=address,
                                   expiry_days=settings.cookie_expiry_days))
    st.rerun()


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (f"Too many failed sign-ins. Try again after {local(until):%H:%M} "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''}), "
            "or ask the career office to unlock the account.")


def sign_out(db: Database, actor: Actor) -> None:
    """End every session and re-login cookie of the user, here and elsewhere; this browser drops its cookie
    and, after a single sign-on, Streamlit's identity cookie too (st.logout also ends the provider's session
    when the provider offers that)."""
    accounts.revoke_sessions(db, actor)
    _end()
    if _provider_signed_in():
        st.logout()
