"""Sessions end when they should: deactivation, role change, password change or reset, sign-out elsewhere.

Core rules on an in-memory database, then app.py in AppTest: the ended tab is told once, signed
out, and writes nothing on the runs that follow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import accounts
from core.accounts import SessionEnded, session_actor, session_moment
from core.db import get_database
from core.models import Role
from tests.apptest_utils import ROOT
from tests.conftest import PASSWORD, make_user

# ---------------------------------------------------------------- core


def _started(db, actor):
    moment = session_moment()
    assert session_actor(db, actor.user_id, moment) == actor
    return moment


def test_deactivation_ends_the_session_with_its_own_message(db, world):
    ana = make_user(db, "ana", Role.STUDENT)
    signed_in = _started(db, ana)
    accounts.set_active(db, world.admin, ana.user_id, False)
    with pytest.raises(SessionEnded, match="no longer active"):
        session_actor(db, ana.user_id, signed_in)


@pytest.mark.parametrize("how", ["role", "reset", "own_password", "sign_out_elsewhere"])
def test_each_account_change_ends_sessions_and_cookies_from_before(db, world, how):
    ana = make_user(db, "ana", Role.STUDENT)
    signed_in = _started(db, ana)
    cookie_issued = session_moment()
    assert accounts.cookie_still_valid(db, "ana", cookie_issued)
    if how == "role":
        accounts.change_role(db, world.admin, ana.user_id, Role.COUNSELOR)
    elif how == "reset":
        accounts.reset_password(db, world.admin, ana.user_id, rounds=4)
    elif how == "own_password":
        kept = accounts.change_password(db, ana, PASSWORD, "Other-pass-7!", rounds=4)
        assert session_actor(db, ana.user_id, kept).user_id == ana.user_id, "the tab that changed it goes on"
    else:
        accounts.revoke_sessions(db, ana)
    with pytest.raises(SessionEnded, match="session has ended"):
        session_actor(db, ana.user_id, signed_in)
    assert not accounts.cookie_still_valid(db, "ana", cookie_issued), "a cookie copied before no longer signs in"
    assert accounts.cookie_still_valid(db, "ana", session_moment() + timedelta(microseconds=1))


def test_a_session_without_a_sign_in_time_is_not_valid(db):
    ana = make_user(db, "ana", Role.STUDENT)
    with pytest.raises(SessionEnded):
        session_actor(db, ana.user_id, None)


# ---------------------------------------------------------------- app.py in AppTest


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()


def _signed_in(username, password="Demo-2026!"):
    at = _app()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert "actor_id" in at.session_state, [e.value for e in at.error]
    return at


def _counts(path):
    with get_database(path).cursor() as cur:
        return cur.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM login_attempts)").fetchone()


def _admin(path):
    return accounts.load_actor(get_database(path), accounts.user_id_for_username(get_database(path), "admin"))


def _id(path, username):
    return accounts.user_id_for_username(get_database(path), username)


_TAB_KEYS = ("actor_id", "auth_signed_in_at", "authentication_status", "username", "logout", "auth_session_notice",
             "auth_cookie_delete", "auth_cookie_pending")


def _click(at):
    """The tab's next run of app.py, as a click on a sidebar link makes it, with the tab's session state.

    (Once on a page, AppTest reruns only that page's script; a fresh AppTest carrying the state runs app.py.)
    """
    from streamlit.testing.v1 import AppTest

    nxt = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for key in _TAB_KEYS:
        if key in at.session_state:
            nxt.session_state[key] = at.session_state[key]
    return nxt.run()


def _ended(at):
    return "actor_id" not in at.session_state and [t.label for t in at.text_input] == ["Username", "Password"]


def test_deactivated_tab_is_told_once_signed_out_and_writes_nothing(portal_env):
    at = _signed_in("student12")
    accounts.set_active(get_database(portal_env), _admin(portal_env), _id(portal_env, "student12"), False)
    before = _counts(portal_env)
    at = _click(at)
    assert not at.exception
    assert [w.value for w in at.warning] == [accounts.INACTIVE_MESSAGE]
    assert _ended(at)
    assert not at.session_state["authentication_status"]
    for _ in range(5):
        at = _click(at)
    assert _ended(at) and not at.exception
    assert [w.value for w in at.warning] == [accounts.INACTIVE_MESSAGE], "one message, above the sign-in form"
    assert _counts(portal_env) == before, "no sign-in event or attempt per run"


def test_a_role_change_ends_the_session(portal_env):
    at = _signed_in("student13")
    accounts.change_role(get_database(portal_env), _admin(portal_env), _id(portal_env, "student13"), Role.COUNSELOR)
    at = _click(at)
    assert _ended(at)
    assert [w.value for w in at.warning] == [accounts.ENDED_MESSAGE]
    assert not at.title, "nothing of the old role's pages is drawn"


def test_a_password_change_in_one_tab_ends_the_other_and_keeps_itself(portal_env):
    changing, other = _signed_in("student14"), _signed_in("student14")
    changing.switch_page("pages/account.py").run()
    form = {t.label: t for t in changing.text_input}
    form["Current (or one-time) password"].input("Demo-2026!")
    form["New password"].input("Brand-new-42!")
    form["Repeat the new password"].input("Brand-new-42!")
    next(b for b in changing.button if b.label == "Save password").click().run()
    assert not changing.exception and not changing.error
    changing = _click(changing)
    assert "actor_id" in changing.session_state, "the tab that changed the password stays signed in"
    assert changing.title and not changing.warning
    other = _click(other)
    assert _ended(other)
    assert [w.value for w in other.warning] == [accounts.ENDED_MESSAGE]


def test_signing_out_in_one_tab_ends_the_other_at_its_next_run(portal_env):
    first, second = _signed_in("student15"), _signed_in("student15")
    # The Sign out button's run: AppTest runs only the page on a plain rerun, so through core here
    # (the browser test clicks the button).
    db = get_database(portal_env)
    accounts.revoke_sessions(db, accounts.load_actor(db, _id(portal_env, "student15")))
    first = _click(first)
    assert _ended(first)
    second = _click(second)
    assert _ended(second)


def test_unknown_and_real_usernames_get_the_same_answers(portal_env):
    answers = {}
    for username in ("student16", "nobody-by-this-name"):
        at = _app()
        seen = []
        for _ in range(6):
            at.text_input[0].input(username)
            at.text_input[1].input("wrong-password-1!")
            at.button[0].click().run()
            seen.append(at.error[0].value.split(".")[0])
        answers[username] = seen
    assert answers["student16"] == answers["nobody-by-this-name"]
    assert answers["student16"] == ["Username or password is incorrect"] * 4 + ["Too many failed sign-ins"] * 2
