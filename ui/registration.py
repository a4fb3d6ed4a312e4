"""The self-registration form shown before sign-in, when some cohort takes registrations.

app.py calls `registration_section(db, settings)` after drawing the sign-in form. It draws
nothing unless a cohort's registration is open. The student types their cohort's invite code
first; only a valid code reveals the form, with the cohort's allowed email domains named. The
form reads no account: core.identity.registration checks the code, the domain, that the username and
email are unused, and the password rule inside the transaction that writes, and its message
shows next to the form, which keeps what was typed (passwords aside). The check against scripted
sign-ups is a picture of digits or, for a person who cannot see it, a question in words
(core.identity.registration.word_challenge).
"""

from __future__ import annotations

import secrets

import streamlit as st
from captcha.image import ImageCaptcha

from core.config import Settings
from core.errors import RegistrationError
from core.identity import accounts, registration
from core.store.db import Database
from ui.widgets import md_escape

P = "registration"
_CAPTCHA = f"{P}_captcha_text"
_PROBLEM = f"{P}_problem"
_QUESTION = f"{P}_question"
PICTURE = "Type the digits in a picture"
WORDS = "Answer a question in words (no picture)"


def _captcha_image() -> bytes:
    """The digits to type as an image (a new set after every attempt), against scripted sign-ups."""
    if _CAPTCHA not in st.session_state:
        st.session_state[_CAPTCHA] = "".join(secrets.choice("23456789") for _ in range(4))
    return ImageCaptcha(width=160, height=60).generate(st.session_state[_CAPTCHA]).getvalue()


def _word_question() -> registration.WordChallenge:
    """The question in words to answer instead of the picture (a new one after every attempt)."""
    if _QUESTION not in st.session_state:
        st.session_state[_QUESTION] = registration.word_challenge()
    return st.session_state[_QUESTION]


def registration_section(db: Database, settings: Settings) -> None:
    """The invite-code box and, for a valid code, the account form (nothing when registration is closed)."""
    if not registration.registration_open_anywhere(db):
        return
    if done := st.session_state.get("registration_done"):
        st.success(f"Account created for **{md_escape(done)}**. Sign in above with your username and password.")
        return
    with st.expander("New student? Create your account with your cohort's invite code", icon=":material/how_to_reg:"):
        code = st.text_input("Invite code", key=f"{P}_code", placeholder="from your counselor, e.g. K7QM-2XPA")
        if not code.strip():
            return
        cohort = registration.cohort_for_code(db, code)
        if cohort is None:
            st.error("That invite code is not valid, or registration for its cohort is closed.")
            return
        st.caption(f"You are joining {md_escape(cohort.name)}."
                   + (f" Use your {' or '.join('@' + d for d in cohort.allowed_domains)} email address."
                      if cohort.allowed_domains else ""))
        if problem := st.session_state.pop(_PROBLEM, None):
            st.error(problem)
        # The picture has no words a screen reader could read: a person who cannot see it answers a question
        # in words instead (outside the form, so choosing redraws the form with the other check at once).
        check = st.radio("How to show you are a person, not a script", [PICTURE, WORDS], key=f"{P}_check",
                         horizontal=True)
        with st.form(f"{P}_form", enter_to_submit=False):
            st.markdown("**Create your student account**")
            first, last = st.columns(2)
            first_name = first.text_input("First name", key=f"{P}_first_name", max_chars=100, autocomplete="given-name")
            last_name = last.text_input("Last name", key=f"{P}_last_name", max_chars=100, autocomplete="family-name")
            email = st.text_input("Email", key=f"{P}_email", max_chars=254, autocomplete="email")
            username = st.text_input("Username", key=f"{P}_username", max_chars=20, autocomplete="username",
                                     help="Up to 20 letters, digits, dashes or underscores.")
            rule = accounts.password_rule(settings.password_min_length)
            st.markdown(rule)
            password = st.text_input("Password", type="password", key=f"{P}_password", help=rule,
                                     autocomplete="new-password")
            repeat = st.text_input("Repeat password", type="password", key=f"{P}_repeat", autocomplete="new-password")
            if check == WORDS:
                question = _word_question()
                typed = st.text_input(f"{question.question} Answer in digits or words.", key=f"{P}_answer",
                                      max_chars=20)
            else:
                st.image(_captcha_image(), caption="Type the digits you see")
                typed = st.text_input("Captcha", key=f"{P}_captcha", max_chars=8)
            submitted = st.form_submit_button("Create account")
        if not submitted:
            return
        # One attempt per picture and per question: the next try gets new ones.
        expected = st.session_state.pop(_CAPTCHA, None)
        asked = st.session_state.pop(_QUESTION, None)
        missing = [label for label, value in (("first name", first_name), ("last name", last_name), ("email", email),
                                              ("username", username), ("password", password)) if not value.strip()]
        if missing:
            problem = "Please fill in your " + ", ".join(missing) + "."
        elif password != repeat:
            problem = "The two passwords differ: type the same password twice."
        elif check == WORDS and (asked is None or not asked.accepts(typed)):
            problem = "That answer is not right: answer the new question."
        elif check != WORDS and typed.strip() != expected:
            problem = "The digits typed do not match the image: type the new ones."
        else:
            try:
                registration.register_student(db, invite_code=code, username=username.strip(), email=email.strip(),
                                              first_name=first_name.strip(), last_name=last_name.strip(),
                                              password=password, rounds=settings.bcrypt_rounds,
                                              min_length=settings.password_min_length)
            except RegistrationError as exc:
                problem = str(exc)
            else:
                st.session_state["registration_done"] = username.strip()
                problem = None
        st.session_state[_PROBLEM] = problem
        st.rerun()  # the message shows above a fresh image; what was typed stays in the fields
