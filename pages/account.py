"""Account: who you are, your notification choices, and changing your password (required after a one-time password).

Every email's settings link opens /account?section=notifications: the notification choices then come first.
"""

import streamlit as st

from core.config import get_settings
from core.errors import AccountError
from core.identity.accounts import PASSWORD_RULE, change_password, get_user, must_change_password
from core.messaging.mailer import email_status
from core.messaging.notify import (
    DIGEST_FREQUENCIES,
    digest_frequency,
    email_choices,
    kinds_for,
    set_notification_settings,
)
from core.models import Role
from ui import forms
from ui.auth import start_new_session
from ui.guard import require

db, actor = require(Role.STUDENT, Role.COUNSELOR, Role.ADMIN, allow_pending_password=True)
user = get_user(db, actor, actor.user_id)
pending = must_change_password(db, actor)


def notification_settings() -> None:
    """Per kind the person receives, email on or off; the digest's frequency for counselors and admins."""
    st.subheader("Notifications", anchor="notifications")
    st.caption("Notifications in the portal (the bell at the top of every page) are always on. Here you choose "
               "what also comes by email.")
    st.info(email_status(get_settings(), for_career_office=actor.role == Role.ADMIN), icon=":material/mail:")
    if saved := st.session_state.pop("account_notifications_done", None):
        st.success(saved)
    chosen = email_choices(db, actor)
    with st.form("account_notifications_form"):
        st.markdown("**By email**")
        wanted = {k.key: st.toggle(k.label, value=chosen.get(k.key, k.email_default), help=k.help,
                                   key=f"account_email_{k.key}")
                  for k in kinds_for(actor.role)}
        frequency = None
        if actor.role in (Role.COUNSELOR, Role.ADMIN):
            options = list(DIGEST_FREQUENCIES)
            current = digest_frequency(db, actor)
            frequency = st.radio("Digest of your cohorts", options, index=options.index(current),
                                 format_func=DIGEST_FREQUENCIES.get, horizontal=True, key="account_digest",
                                 help="When it comes, if the digest is on by email above; it is always in the portal.")
        problem = st.empty()
        submitted = st.form_submit_button("Save notification settings", icon=":material/save:")
    if submitted:
        def save() -> None:
            set_notification_settings(db, actor, wanted, digest=frequency)

        if forms.submit(save, where=problem).ok:
            by_email = [k.label for k in kinds_for(actor.role) if wanted[k.key]]
            st.session_state["account_notifications_done"] = (
                "Notification settings saved. By email: " + (", ".join(by_email) if by_email else "nothing") + ".")
            st.rerun()


st.title("Choose your password" if pending else "Account", anchor=False)
asked_for_notifications = st.query_params.get("section") == "notifications"
if pending:
    st.warning("You signed in with a one-time password. Choose your own password to continue.")
else:
    if asked_for_notifications:
        notification_settings()
    left, right = st.columns(2)
    left.text_input("Name", value=user.full_name, disabled=True, key="account_name")
    right.text_input("Username", value=user.username, disabled=True, key="account_username")
    left.text_input("Email", value=user.email, disabled=True, key="account_email")
    right.text_input("Role", value=user.role.value, disabled=True, key="account_role")
    if not asked_for_notifications:
        notification_settings()

if done := st.session_state.pop("account_password_done", None):
    st.success(done)
with st.form("account_change_password", clear_on_submit=True):
    st.subheader("Change password", anchor=False)
    current = st.text_input("Current (or one-time) password", type="password", key="account_current_password",
                            autocomplete="current-password")
    new = st.text_input("New password", type="password", key="account_new_password", help=PASSWORD_RULE,
                        autocomplete="new-password")
    repeat = st.text_input("Repeat the new password", type="password", key="account_repeat_password",
                           autocomplete="new-password")
    problem = st.empty()
    submitted = st.form_submit_button("Save password")
st.caption(PASSWORD_RULE)
if submitted:
    if new != repeat:
        problem.error("The new password and its repetition differ.")
    else:
        try:
            change_password(db, actor, current, new, rounds=get_settings().bcrypt_rounds)
        except AccountError as exc:
            problem.error(str(exc))
        else:
            # Every session of this account has just ended; this tab goes on in a new one, with a new cookie.
            start_new_session(db, get_settings(), actor)
            if pending:
                st.session_state["app_go_home"] = True
            else:
                st.session_state["account_password_done"] = (
                    "Password changed. You are signed out everywhere else; sign in there with the new password.")
            st.rerun()
