"""The app (app.py, in AppTest) when a session ends: the ended tab is told once, signed out, and writes nothing on the
runs that follow; unknown and real usernames get the same answers."""

from __future__ import annotations

from core.errors import ENDED_MESSAGE, INACTIVE_MESSAGE
from core.identity import accounts
from core.models import Role
from core.store.db import get_database
from tests.apptest_utils import ROOT

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
