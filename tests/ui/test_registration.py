"""The sign-in page's registration section: hidden when closed; a valid code reveals the account form,
and registering creates a student in the code's cohort (AppTest). The form reads no account: core
checks the username, email, domain and password as it writes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.admin.cohorts import set_registration
from core.identity.access import SYSTEM
from core.store.db import open_database, scalar


def _section():
    from core.config import get_settings
    from ui.db import get_db
    from ui.registration import registration_section

    registration_section(get_db(), get_settings())


def _captcha(at: AppTest) -> str:
    """The captcha's digits, as a person would read them off the image."""
    return at.session_state["registration_captcha_text"]


def _open_registration(path, **extra) -> int:
    db = open_database(path)
    with db.cursor() as cur:
        cohort_id = scalar(cur, "SELECT id FROM cohorts ORDER BY name LIMIT 1")
    set_registration(db, SYSTEM, cohort_id, open_=True, invite_code="JOIN-2026", **extra)
    db.close()
    return cohort_id


def test_nothing_shows_while_registration_is_closed(portal_env):
    at = AppTest.from_function(_section, default_timeout=60).run()
    assert not at.exception and len(at.text_input) == 0 and len(at.expander) == 0


def test_wrong_code_is_refused_and_a_right_code_registers_a_student(portal_env):
    cohort_id = _open_registration(portal_env, allowed_domains="college.edu")
    at = AppTest.from_function(_section, default_timeout=60).run()
    at.text_input(key="registration_code").input("NOPE-0000").run()
    assert at.error[0].value.startswith("That invite code is not valid")
    assert len(at.button) == 0

    at.text_input(key="registration_code").input("join-2026").run()
    assert not at.error
    fields = {t.label: t for t in at.text_input}
    fields["First name"].input("Lina")
    fields["Last name"].input("Park")
    fields["Email"].input("lina@gmail.com")
    fields["Username"].input("lina_park")
    fields["Password"].input("Lina-park-77!")
    fields["Repeat password"].input("Lina-park-77!")
    fields["Captcha"].input(_captcha(at))
    at.button[0].click().run()
    assert at.error[0].value == "Please register with your school email address (@college.edu)."

    fields = {t.label: t for t in at.text_input}
    assert fields["Username"].value == "lina_park", "what was typed stays"
    fields["Email"].input("lina@college.edu")
    fields["Repeat password"].input("Lina-park-78!")
    fields["Captcha"].input(_captcha(at))
    at.button[0].click().run()
    assert at.error[0].value == "The two passwords differ: type the same password twice."

    fields = {t.label: t for t in at.text_input}
    fields["Repeat password"].input("Lina-park-77!")
    fields["Captcha"].input("0000")
    at.button[0].click().run()
    assert at.error[0].value.startswith("The digits typed do not match")

    fields = {t.label: t for t in at.text_input}
    fields["Captcha"].input(_captcha(at))
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Account created for **lina\\_park**")
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, """SELECT m.cohort_id FROM users u JOIN cohort_members m ON m.student_id = u.id
                              WHERE u.username = 'lina_park' AND u.role = 'student' AND u.active""") == cohort_id
    db.close()


def test_a_taken_username_is_refused_by_core_and_nothing_is_written(portal_env):
    _open_registration(portal_env)
    at = AppTest.from_function(_section, default_timeout=60).run()
    at.text_input(key="registration_code").input("JOIN-2026").run()
    fields = {t.label: t for t in at.text_input}
    for label, value in (("First name", "Second"), ("Last name", "Student"), ("Email", "someone.new@example.edu"),
                         ("Username", "student07"), ("Password", "Lina-park-77!"),
                         ("Repeat password", "Lina-park-77!")):
        fields[label].input(value)
    fields["Captcha"].input(_captcha(at))
    at.button[0].click().run()
    assert not at.exception and at.error[0].value == "That username is already used by another account." \
        and not at.success
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users WHERE email = 'someone.new@example.edu'") == 0
    db.close()


def test_a_person_who_cannot_see_the_picture_registers_by_a_question_in_words(portal_env):
    _open_registration(portal_env)
    at = AppTest.from_function(_section, default_timeout=60).run()
    at.text_input(key="registration_code").input("JOIN-2026").run()
    assert at.image, "the picture is the first offer"
    # Each field says what it is for, so browsers and assistive tools can fill it in (WCAG 1.3.5).
    purposes = {t.label: t.proto.autocomplete for t in at.text_input}
    assert {k: purposes[k] for k in ("First name", "Last name", "Email", "Username", "Password",
                                     "Repeat password")} == {
        "First name": "given-name", "Last name": "family-name", "Email": "email", "Username": "username",
        "Password": "new-password", "Repeat password": "new-password"}
    at.radio(key="registration_check").set_value("Answer a question in words (no picture)").run()
    assert not at.image, "no picture to read"
    fields = {t.label: t for t in at.text_input}
    for label, value in (("First name", "Noor"), ("Last name", "Haddad"), ("Email", "noor@example.edu"),
                         ("Username", "noor_h"), ("Password", "Noor-haddad-77!"),
                         ("Repeat password", "Noor-haddad-77!")):
        fields[label].input(value)
    question = at.session_state["registration_question"]
    [answer] = [t for t in at.text_input if t.key == "registration_answer"]
    assert answer.label == f"{question.question} Answer in digits or words."
    answer.input(str(question.answer + 1))
    at.button[0].click().run()
    assert at.error[0].value == "That answer is not right: answer the new question." and not at.success
    again = at.session_state["registration_question"]
    [answer] = [t for t in at.text_input if t.key == "registration_answer"]
    assert answer.label.startswith(again.question)
    answer.input(str(again.answer))
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Account created for **noor\\_h**")
