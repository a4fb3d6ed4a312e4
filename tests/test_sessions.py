"""Sessions end when they should: deactivation, role change, password change or reset, sign-out, expiry.

Core rules on an in-memory database (core/identity/sessions.py), then app.py in AppTest: the ended tab is
told once, signed out, and writes nothing on the runs that follow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import ENDED_MESSAGE, INACTIVE_MESSAGE, SessionEnded
from core.identity import accounts, sessions
from core.store.db import get_database
from core.models import Role
from tests.apptest_utils import ROOT
from tests.conftest import NOW, PASSWORD, make_user

# ---------------------------------------------------------------- core

KEY = "a-test-signing-key-0123456789abcdefghijkl"


def _started(db, actor, *, expiry_days=7.0, now=NOW):
    started = sessions.start(db, user_id=actor.user_id, method=sessions.PASSWORD, expiry_days=expiry_days, now=now)
    assert sessions.session_actor(db, started.session_id, expiry_days=expiry_days, now=now) == actor
    return started


def _cookie(db, started, *, expiry_days=7.0, now=NOW):
    cookie = sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=expiry_days, now=now)
    assert cookie is not None
    return cookie.value


def test_a_session_row_keeps_only_the_hash_of_the_cookies_session_id(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    value = _cookie(db, started)
    token = sessions.unsign(value, KEY)
    with db.cursor() as cur:
        stored = cur.execute("SELECT * FROM sessions WHERE id = ?", [started.session_id]).fetchone()
    assert token and not any(token in str(v) for v in stored) and started.handoff not in str(stored)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7, now=NOW).user_id == ana.user_id


def test_a_handoff_code_gives_its_cookie_once_and_only_while_fresh(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7,
                                   now=NOW + sessions.HANDOFF_WAIT) is None, "too late"
    assert sessions.redeem_handoff(db, started.handoff + "x", key=KEY, expiry_days=7, now=NOW) is None
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7, now=NOW) is not None
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7, now=NOW) is None, "used"
    assert sessions.cookie_issued(db, started.session_id)


@pytest.mark.parametrize("tampered", ["", "abc", "abc.def", "x.y.z"])
def test_a_cookie_not_signed_with_the_portals_key_names_no_session(db, tampered):
    ana = make_user(db, "ana", Role.STUDENT)
    value = _cookie(db, _started(db, ana))
    assert sessions.from_cookie(db, tampered, key=KEY, expiry_days=7, now=NOW) is None
    assert sessions.from_cookie(db, value, key=KEY + "-other", expiry_days=7, now=NOW) is None
    token = value.split(".")[0]
    assert sessions.from_cookie(db, token + "." + "A" * 43, key=KEY, expiry_days=7, now=NOW) is None


def test_deactivation_ends_the_session_with_its_own_message(db, world):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    value = _cookie(db, started)
    accounts.set_active(db, world.admin, ana.user_id, False)
    with pytest.raises(SessionEnded, match="no longer active"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None
    accounts.set_active(db, world.admin, ana.user_id, True)
    with pytest.raises(SessionEnded, match="session has ended"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None, "reactivation revives no cookie"


@pytest.mark.parametrize("how", ["role", "reset", "own_password", "sign_out_elsewhere"])
def test_each_account_change_ends_sessions_and_cookies_from_before(db, world, how):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana, now=sessions.moment())
    value = _cookie(db, started, now=sessions.moment())
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is not None
    if how == "role":
        accounts.change_role(db, world.admin, ana.user_id, Role.COUNSELOR)
    elif how == "reset":
        accounts.reset_password(db, world.admin, ana.user_id, rounds=4)
    elif how == "own_password":
        accounts.change_password(db, ana, PASSWORD, "Other-pass-7!", rounds=4)
    else:
        accounts.revoke_sessions(db, ana)
    with pytest.raises(SessionEnded, match="session has ended"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None, "a cookie copied before no longer signs in"
    again = sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7)
    assert sessions.session_actor(db, again.session_id, expiry_days=7).user_id == ana.user_id, "a new sign-in works"


def test_lowering_the_cookie_lifetime_never_lets_an_older_cookie_pass(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana, expiry_days=30)
    value = _cookie(db, started, expiry_days=30)
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=2))  # signed out on day 2
    later = _started(db, ana, expiry_days=30, now=NOW + timedelta(days=3))
    for days in (30, 7, 1, 0.5):
        # The old rule worked the issue time out of the cookie's expiry and the current setting:
        # 30-day cookie, setting lowered to 1 day -> "issued" 29 days later than it was, after the sign-out.
        assert sessions.from_cookie(db, value, key=KEY, expiry_days=days, now=NOW + timedelta(days=4)) is None, days
    assert sessions.session_actor(db, later.session_id, expiry_days=30, now=NOW + timedelta(days=4)) == ana
    # Lowering the setting shortens sessions already issued, from their recorded issue time.
    with pytest.raises(SessionEnded, match="expired"):
        sessions.session_actor(db, later.session_id, expiry_days=0.5, now=NOW + timedelta(days=4))
    with pytest.raises(SessionEnded, match="expired"):
        sessions.session_actor(db, later.session_id, expiry_days=30, now=NOW + timedelta(days=34))


def test_last_seen_is_written_at_most_every_few_minutes(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)

    def last_seen():
        with db.cursor() as cur:
            return cur.execute("SELECT last_seen FROM sessions WHERE id = ?", [started.session_id]).fetchone()[0]

    sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(minutes=1))
    assert last_seen() == NOW
    sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(minutes=6))
    assert last_seen() == NOW + timedelta(minutes=6)


def test_old_ended_sessions_are_removed_but_each_accounts_latest_sign_out_stays(db):
    ana, ben = make_user(db, "ana", Role.STUDENT), make_user(db, "ben", Role.STUDENT)
    first = _started(db, ana)
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=1))  # ana's older sign-out
    second = _started(db, ana, now=NOW + timedelta(days=2))
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=3))  # her latest
    expired = _started(db, ben, expiry_days=1)  # ben's just ran out
    live = _started(db, ben, now=NOW + timedelta(days=94))

    def ids():
        with db.cursor() as cur:
            return {r[0] for r in cur.execute("SELECT id FROM sessions").fetchall()}

    assert sessions.prune(db, NOW + timedelta(days=60)) == 0  # nothing ended 90 days ago yet
    later = NOW + sessions.KEEP_ENDED + timedelta(days=5)
    assert sessions.prune(db, later) == 2
    assert ids() == {second.session_id, live.session_id}
    assert first.session_id not in ids() and expired.session_id not in ids()
    assert sessions.last_ended(db, ana.user_id) == NOW + timedelta(days=3)  # still what it was
    assert sessions.session_actor(db, live.session_id, expiry_days=7, now=later) == ben


def test_no_session_or_an_unknown_one_is_not_valid(db):
    with pytest.raises(SessionEnded):
        sessions.session_actor(db, None, expiry_days=7)
    with pytest.raises(SessionEnded):
        sessions.session_actor(db, 123456, expiry_days=7)


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


_TAB_KEYS = ("actor_id", "auth_session_id", "auth_session_notice", "auth_cookie_clear", "auth_cookie_handoff")


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
    assert [w.value for w in at.warning] == [INACTIVE_MESSAGE]
    assert _ended(at)
    for _ in range(5):
        at = _click(at)
    assert _ended(at) and not at.exception
    assert [w.value for w in at.warning] == [INACTIVE_MESSAGE], "one message, above the sign-in form"
    assert _counts(portal_env) == before, "no sign-in event or attempt per run"


def test_a_role_change_ends_the_session(portal_env):
    at = _signed_in("student13")
    accounts.change_role(get_database(portal_env), _admin(portal_env), _id(portal_env, "student13"), Role.COUNSELOR)
    at = _click(at)
    assert _ended(at)
    assert [w.value for w in at.warning] == [ENDED_MESSAGE]
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
    assert [w.value for w in other.warning] == [ENDED_MESSAGE]


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
