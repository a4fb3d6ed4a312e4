"""Every foundation page runs for the roles that may see it and refuses the others; sign-in works."""

from __future__ import annotations

import pytest

from core.identity.accounts import check_password, password_rule
from core.store.db import get_database
from tests.apptest_utils import ROOT, refused, run_page, texts

PAGES = {
    "pages/student_home.py": {"student07"},
    "pages/counselor_home.py": {"counselor.rivera", "admin"},
    "pages/admin_home.py": {"admin"},
    "pages/account.py": {"student07", "counselor.rivera", "admin"},
}
USERS = ["student07", "counselor.rivera", "admin"]


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("username", USERS)
def test_page_runs_for_allowed_roles_and_refuses_others(portal_env, page, username):
    at = run_page(page, portal_env, username)
    assert not at.exception, at.exception
    if username in PAGES[page]:
        assert not refused(at)
        assert at.title, "an allowed page shows its title"
    else:
        assert refused(at)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_ask_for_sign_in_when_nobody_is_signed_in(portal_env, page):
    at = run_page(page, portal_env, None)
    assert not at.exception
    assert "Please sign in" in texts(at)
    assert not at.title


def test_student_home_shows_their_own_overdue_thank_you_and_counselor_comment(portal_env):
    at = run_page("pages/student_home.py", portal_env, "student07")
    shown = texts(at)
    with get_database(portal_env).cursor() as cur:
        (late,) = cur.execute("""SELECT c.first_name || ' ' || c.last_name FROM thank_you_status t
                                 JOIN contacts c ON c.id = t.contact_id JOIN users u ON u.id = t.student_id
                                 WHERE u.username = 'student07' AND t.sent_at IS NULL""").fetchone()
        others = cur.execute("""SELECT c.first_name || ' ' || c.last_name FROM contacts c
                                JOIN users u ON u.id = c.student_id
                                WHERE u.username = 'student08'""").fetchall()
        own = {n for (n,) in cur.execute("""SELECT c.first_name || ' ' || c.last_name FROM contacts c
                                            JOIN users u ON u.id = c.student_id
                                            WHERE u.username = 'student07'""").fetchall()}
    assert "Hello, Gabriel" in shown
    assert "Send your thank\\-you" in shown and late in shown
    assert "Send the thank-you today, while it is fresh." in shown, "the counselor's comment reaches the student"
    assert not any(name in shown for (name,) in others if name not in own)


def test_counselor_dashboard_offers_only_their_cohort_and_its_students(portal_env):
    at = run_page("pages/counselor_home.py", portal_env, "counselor.rivera")
    assert at.selectbox[0].options == ["Health & Science Explorers, Fall 2026"]
    table = at.dataframe[0].value
    assert len(table) == 12
    with get_database(portal_env).cursor() as cur:
        okafor_students = {r[0] for r in cur.execute(
            """SELECT u.first_name || ' ' || u.last_name FROM users u JOIN cohort_members m ON m.student_id = u.id
               JOIN cohorts c ON c.id = m.cohort_id WHERE c.name LIKE 'Business%'""").fetchall()}
    assert not okafor_students & set(table.iloc[:, 0].astype(str)) and not okafor_students & set(
        table.get("Student", table.iloc[:, 0]).astype(str))


def test_admin_home_counts_accounts_and_cohorts(portal_env):
    at = run_page("pages/admin_home.py", portal_env, "admin")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Students": "24", "Counselors": "2", "Admins": "1", "Active cohorts": "2"}


# ---------------------------------------------------------------- app.py: sign-in and navigation


def _app(portal_env):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()


def _submit(at, username, password):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_wrong_password_is_refused_and_right_one_signs_in(portal_env):
    at = _app(portal_env)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    _submit(at, "student07", "wrong-password")
    assert [e.value for e in at.error] == ["Username or password is incorrect."]
    assert "actor_id" not in at.session_state
    _submit(at, "student07", "Demo-2026!")
    assert not at.exception
    assert [t.value for t in at.title] == ["Hello, Gabriel"]


def test_five_failures_lock_the_username_with_a_time_to_try_again(portal_env):
    at = _app(portal_env)
    for _ in range(5):
        _submit(at, "student08", "wrong-password")
    assert "Too many failed sign-ins. Try again after" in at.error[0].value
    _submit(at, "student08", "Demo-2026!")
    assert "Too many failed sign-ins" in at.error[0].value, "even the right password waits out the lock"
    assert "actor_id" not in at.session_state
    _submit(at, "student09", "Demo-2026!")
    assert [t.value for t in at.title] == ["Hello, Isaac"], "other accounts are unaffected"


def test_deactivated_account_cannot_sign_in(portal_env):
    with get_database(portal_env).cursor() as cur:
        cur.execute("UPDATE users SET active = false WHERE username = 'student10'")
    at = _submit(_app(portal_env), "student10", "Demo-2026!")
    assert [e.value for e in at.error] == ["Username or password is incorrect."]


def test_one_time_password_sends_the_user_to_choose_a_password_first(portal_env):
    with get_database(portal_env).cursor() as cur:
        cur.execute("UPDATE users SET must_change_password = true WHERE username = 'student11'")
    at = _submit(_app(portal_env), "student11", "Demo-2026!")
    assert [t.value for t in at.title] == ["Choose your password"]
    form = {t.label: t for t in at.text_input}
    form["Current (or one-time) password"].input("Demo-2026!")
    form["New password"].input("Fresh-start-7!")
    form["Repeat the new password"].input("Fresh-start-7!")
    next(b for b in at.button if b.label == "Save password").click().run()
    assert not at.exception
    with get_database(portal_env).cursor() as cur:
        assert cur.execute("SELECT must_change_password FROM users WHERE username = 'student11'").fetchone()[0] is False
    # (AppTest does not re-run app.py after a page's st.rerun; the browser test covers landing on home.)
    fresh = _submit(_app(portal_env), "student11", "Fresh-start-7!")
    assert [t.value for t in fresh.title] == ["Hello, Kofi"]


def _change_password(at, current, new, repeat=None):
    form = {t.label: t for t in at.text_input}
    form["Current (or one-time) password"].input(current)
    form["New password"].input(new)
    form["Repeat the new password"].input(new if repeat is None else repeat)
    next(b for b in at.button if b.label == "Save password").click().run()
    return {t.label: t.value for t in at.text_input}


def _stored_hash(location, username):
    with get_database(location).cursor() as cur:
        return cur.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()[0]


def test_a_guessable_new_password_is_refused_saying_why_and_what_was_typed_stays(portal_env):
    at = _submit(_app(portal_env), "counselor.okafor", "Demo-2026!")
    at.switch_page("pages/account.py").run()
    typed = _change_password(at, "Demo-2026!", "short")
    assert any("A password needs at least 12 characters; this one has 5." in e.value for e in at.error)
    assert typed["Current (or one-time) password"] == "Demo-2026!"
    typed = _change_password(at, "Demo-2026!", "password1234")
    assert any("That password is too easy to guess. This is a very common password." in e.value for e in at.error)
    assert (typed["Current (or one-time) password"], typed["New password"]) == ("Demo-2026!", "password1234")
    assert check_password("Demo-2026!", _stored_hash(portal_env, "counselor.okafor"))


def test_the_account_page_shows_the_rule_with_the_career_offices_minimum(portal_env, monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_PASSWORD_MIN_LENGTH", "20")
    get_settings.cache_clear()
    at = run_page("pages/account.py", portal_env, "student07")
    new = next(t for t in at.text_input if t.label == "New password")
    assert new.help == password_rule(20) and "At least 20 characters" in new.help
    assert password_rule(20) in [m.value for m in at.markdown]  # body text, not a pale caption
    _change_password(at, "Demo-2026!", "quiet harbour lamps")
    assert any("A password needs at least 20 characters; this one has 19." in e.value for e in at.error)


def test_a_long_passphrase_with_spaces_and_accents_is_saved(portal_env):
    at = run_page("pages/account.py", portal_env, "student07")
    phrase = "ma grand-mère préférait les tartes aux quetsches d'alsace en automne, près de colmar"
    assert len(phrase) >= 64 and len(phrase.encode()) > 72
    typed = _change_password(at, "Demo-2026!", phrase)
    assert not at.exception and not at.error
    assert any("Password changed." in s.value for s in at.success)
    assert typed["New password"] == "" and typed["Current (or one-time) password"] == "", "not left in the form"
    stored = _stored_hash(portal_env, "student07")
    assert check_password(phrase, stored) and not check_password(phrase[:72], stored)


def test_signing_in_with_a_very_long_password_says_incorrect(portal_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input[0].input("student07")
    at.text_input[1].input("Demo-2026!" + "x" * 100)
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Username or password is incorrect."]


@pytest.mark.parametrize("username", ["student07", "counselor.rivera"])
def test_the_account_page_tells_people_about_email_in_their_words(portal_env, username):
    """A student or counselor reads whether email is set up, never the server's setting names; the
    career office still reads how to turn it on (issue 21, item 13)."""
    shown = texts(run_page("pages/account.py", portal_env, username))
    assert "Email is not set up at your institution yet" in shown
    assert "PORTAL_" not in shown and "SMTP" not in shown
    admin = texts(run_page("pages/account.py", portal_env, "admin")).replace("\\", "")
    assert "PORTAL_SMTP_HOST" in admin


def _open_registration(location):
    from core.admin import cohorts
    from core.identity.accounts import load_actor, user_id_for_username

    db = get_database(location)
    admin = load_actor(db, user_id_for_username(db, "admin"))
    with db.cursor() as cur:
        cohort_id = cur.execute("SELECT min(id) FROM cohorts WHERE archived_at IS NULL").fetchone()[0]
    cohorts.set_registration(db, admin, cohort_id, open_=True, invite_code="PASS-2026")
    return db


def _register(at, password):
    for key, value in (("first_name", "Nia"), ("last_name", "Okoro"), ("email", "nia.okoro@example.edu"),
                       ("username", "nia.okoro"), ("password", password), ("repeat", password),
                       ("captcha", at.session_state["registration_captcha_text"])):
        at.text_input(key=f"registration_{key}").input(value)
    next(b for b in at.button if b.label == "Create account").click().run()
    return {t.key.removeprefix("registration_"): t.value for t in at.text_input if t.key.startswith("registration_")}


def test_registration_refuses_a_guessable_password_saying_why_keeps_the_rest_and_takes_a_passphrase(portal_env):
    db = _open_registration(portal_env)
    at = _app(portal_env)
    next(t for t in at.text_input if t.label == "Invite code").input("PASS-2026").run()
    password = at.text_input(key="registration_password")
    assert password.help == password_rule() and password_rule() in [m.value for m in at.markdown]
    typed = _register(at, "nia.okoro.2026")
    assert any("That password is too easy to guess." in e.value for e in at.error), [e.value for e in at.error]
    assert (typed["first_name"], typed["last_name"], typed["email"], typed["username"]) == (
        "Nia", "Okoro", "nia.okoro@example.edu", "nia.okoro")
    with db.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM users WHERE username = 'nia.okoro'").fetchone()[0] == 0
    phrase = "the lighthouse keeper's cat naps on warm granite every single afternoon"
    assert len(phrase) >= 64
    _register(at, phrase)
    assert not at.error and not at.exception
    assert check_password(phrase, _stored_hash(portal_env, "nia.okoro"))
