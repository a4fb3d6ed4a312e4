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


def _make_idle(path, username, hours):
    """Move the account's live sessions' last use back, as if the tab had sat unused that long."""
    with get_database(path).cursor() as cur:
        cur.execute("UPDATE sessions SET last_seen = last_seen - ? * INTERVAL '1 hour' "
                    "WHERE user_id = ? AND revoked_at IS NULL", [hours, _id(path, username)])


def test_an_idle_session_ends_at_the_next_click_and_saves_nothing(portal_env):
    at = _signed_in("student07")
    at.switch_page("pages/student_reflection.py").run()
    assert not at.exception and at.title[0].value == "Reflection"
    at.text_area[0].input("The field is slower paced than I thought.")
    _make_idle(portal_env, "student07", 9)
    before = _counts(portal_env)
    next(b for b in at.button if b.label == "Save reflection").click().run()
    assert not at.exception and not at.success
    assert [w.value for w in at.warning] == [IDLE_8_HOURS]
    assert _counts(portal_env) == before, "the click that found the session idle saved nothing"
    at = _click(at)
    assert _ended(at), "the next run of the app shows the sign-in form"
    assert [w.value for w in at.warning] == [IDLE_8_HOURS]


IDLE_8_HOURS = ("You were signed out because the portal was not used for 8 hours. "
                "Sign in again to carry on where you were.")


def _tab():
    """A tab of an app that runs whole on every click, as app.py does in the browser: sign-in, then a page with a
    field typed into (AppTest reruns only a page's script once on one, so app.py's own sign-in is not rerun)."""
    import streamlit as st

    from core.config import get_settings
    from ui.auth import sign_in
    from ui.db import get_db

    actor = sign_in(get_db(), get_settings())
    if actor is not None:
        st.title(f"Notes of {actor.name}")
        with st.form("tab_form"):
            st.text_area("What I learned", value="", key="tab_notes")
            st.form_submit_button("Save")


def _tab_signed_in(username):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_tab, default_timeout=30).run()
    at.text_input[0].input(username)
    at.text_input[1].input("Demo-2026!")
    at.button[0].click().run()
    assert at.title and at.title[0].value.startswith("Notes of"), [e.value for e in at.error]
    return at


def _sign_in_again(at, username):
    at.text_input[0].input(username)
    at.text_input[1].input("Demo-2026!")
    at.button[0].click().run()
    assert not at.exception
    return at


def test_signing_in_again_after_an_idle_end_gives_back_what_was_typed(portal_env):
    at = _tab_signed_in("student08")
    words = "Ask Dana about the hiring season; the field is slower paced than I thought."
    at.text_area(key="tab_notes").input(words)
    _make_idle(portal_env, "student08", 9)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [IDLE_8_HOURS]
    assert not at.text_area, "signed out: the sign-in form, not the page"
    at = _sign_in_again(at, "student08")
    assert at.text_area(key="tab_notes").value == words, "what was typed is there again, to save"


def test_what_was_typed_is_not_given_to_another_person_signing_in_at_the_tab(portal_env):
    at = _tab_signed_in("student09")
    at.text_area(key="tab_notes").input("A private thought")
    _make_idle(portal_env, "student09", 9)
    next(b for b in at.button if b.label == "Save").click().run()
    assert [w.value for w in at.warning] == [IDLE_8_HOURS]
    at = _sign_in_again(at, "student10")
    assert at.title[0].value.startswith("Notes of") and at.text_area(key="tab_notes").value == ""


def test_after_an_idle_end_a_provider_sign_in_from_before_does_not_count_and_the_page_says_why(portal_env,
                                                                                               monkeypatch):
    import time

    from streamlit.testing.v1 import AppTest

    from core.config import get_settings

    monkeypatch.setenv("PORTAL_SSO_PROVIDER", "college")
    get_settings.cache_clear()
    at = AppTest.from_function(_tab, default_timeout=30)
    # Signed in at the provider ten hours ago; the portal's session starts from that sign-in.
    at.user = {"is_logged_in": True, "email": "student11@demo.example.edu", "email_verified": True,
               "iat": int(time.time()) - 10 * 3600}
    at.run()
    assert at.title and at.title[0].value.startswith("Notes of"), [e.value for e in at.error]
    _make_idle(portal_env, "student11", 9)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and not at.title
    assert [w.value for w in at.warning] == [IDLE_8_HOURS], "why, not 'you cannot use the portal'"
    assert "You cannot use the portal with this account" not in [s.value for s in at.subheader]
    assert [b.label for b in at.button if b.label.startswith("Sign in again")] == ["Sign in again with your "
                                                                                  "institution's account"]
