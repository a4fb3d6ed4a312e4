"""The self-registration form shown before sign-in, when some cohort takes registrations.

app.py calls `registration_section(db, settings)` after drawing the sign-in form. It draws
nothing unless a cohort's registration is open. The student types their cohort's invite code
first; only a valid code reveals streamlit-authenticator's register form, limited to the
cohort's allowed email domains. The account is then written by core.registration, which
checks everything again inside its transaction.
"""

from __future__ import annotations

import streamlit as st
from streamlit_authenticator.utilities.exceptions import RegisterError

from core import accounts, registration
from core.config import Settings
from core.db import Database
from ui.auth import portal_authenticator
from ui.widgets import md_escape

REGISTER_FIELDS = {"Form name": "Create your student account", "First name": "First name", "Last name": "Last name",
                   "Email": "Email", "Username": "Username", "Password": "Password",
                   "Repeat password": "Repeat password", "Password hint": "Password hint", "Captcha": "Captcha",
                   "Register": "Create account"}


def registration_section(db: Database, settings: Settings) -> None:
    """The invite-code box and, for a valid code, the register form (nothing when registration is closed)."""
    if not registration.registration_open_anywhere(db):
        return
    if done := st.session_state.get("registration_done"):
        st.success(f"Account created for **{md_escape(done)}**. Sign in above with your username and password.")
        return
    with st.expander("New student? Create your account with your cohort's invite code", icon=":material/how_to_reg:"):
        code = st.text_input("Invite code", key="registration_code", placeholder="from your counselor, e.g. K7QM-2XPA")
        if not code.strip():
            return
        cohort = registration.cohort_for_code(db, code)
        if cohort is None:
            st.error("That invite code is not valid, or registration for its cohort is closed.")
            return
        st.caption(f"You are joining {md_escape(cohort.name)}."
                   + (f" Use your {' or '.join('@' + d for d in cohort.allowed_domains)} email address."
                      if cohort.allowed_domains else ""))
        st.caption("Choose a username of up to 20 letters, digits, dashes or underscores. " + accounts.PASSWORD_RULE)
        # The widget checks the form and hashes the password; it sees every account so it refuses taken
        # usernames and emails itself, and core.registration checks again before writing.
        auth = portal_authenticator(settings, accounts.authenticator_credentials(db))
        try:
            email, username, _ = auth.register_user(
                location="main", domains=list(cohort.allowed_domains) or None, fields=REGISTER_FIELDS,
                captcha=True, roles=["student"], password_hint=False, key="registration_form")
        except RegisterError as exc:
            st.error(md_escape(str(exc.message if hasattr(exc, "message") else exc)))
            return
        if not username:
            return
        stored = auth.authentication_controller.authentication_model.credentials["usernames"][username]
        try:
            registration.register_student(
                db, invite_code=code, username=username, email=email, first_name=stored["first_name"],
                last_name=stored["last_name"], password_hash=stored["password"])
        except registration.RegistrationError as exc:
            st.error(str(exc))
            return
        st.session_state["registration_done"] = username
        st.rerun()
