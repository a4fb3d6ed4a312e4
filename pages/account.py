"""Account: who you are, and changing your password (required after a one-time password)."""

import streamlit as st

from core.accounts import PASSWORD_RULE, AccountError, change_password, get_user, must_change_password
from core.config import get_settings
from core.models import Role
from ui.auth import keep_session_after_password_change
from ui.guard import require

db, actor = require(Role.STUDENT, Role.COUNSELOR, Role.ADMIN, allow_pending_password=True)
user = get_user(db, actor, actor.user_id)
pending = must_change_password(db, actor)

st.title("Choose your password" if pending else "Account")
if pending:
    st.warning("You signed in with a one-time password. Choose your own password to continue.")
else:
    left, right = st.columns(2)
    left.text_input("Name", value=user.full_name, disabled=True, key="account_name")
    right.text_input("Username", value=user.username, disabled=True, key="account_username")
    left.text_input("Email", value=user.email, disabled=True, key="account_email")
    right.text_input("Role", value=user.role.value, disabled=True, key="account_role")

if done := st.session_state.pop("account_password_done", None):
    st.success(done)
with st.form("account_change_password", clear_on_submit=True):
    st.subheader("Change password")
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
            signed_in_at = change_password(db, actor, current, new, rounds=get_settings().bcrypt_rounds)
        except AccountError as exc:
            problem.error(str(exc))
        else:
            # Every other session of this account has just ended; this one goes on with a new cookie.
            keep_session_after_password_change(signed_in_at)
            if pending:
                st.session_state["app_go_home"] = True
            else:
                st.session_state["account_password_done"] = (
                    "Password changed. You are signed out everywhere else; sign in there with the new password.")
            st.rerun()
