"""Account: who you are, and changing your password (required after a one-time password)."""

import streamlit as st
from streamlit_authenticator.utilities.exceptions import CredentialsError, ResetError

from core.accounts import AccountError, get_user, must_change_password, set_password_hash
from core.config import get_settings
from core.models import Role
from ui.auth import AUTHENTICATOR_KEY, signed_in_authenticator
from ui.guard import require

db, actor = require(Role.STUDENT, Role.COUNSELOR, Role.ADMIN, allow_pending_password=True)
# Added with the career-office area: after choosing a first password, land on the role's home page.
if st.session_state.pop("account_go_home", False):
    st.switch_page({Role.STUDENT: "pages/student_home.py", Role.COUNSELOR: "pages/counselor_home.py",
                    Role.ADMIN: "pages/admin_home.py"}[actor.role])
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

auth = st.session_state.get(AUTHENTICATOR_KEY) or signed_in_authenticator(db, get_settings(), actor)
st.session_state.setdefault("authentication_status", True)
st.session_state.setdefault("username", user.username)
try:
    changed = auth.reset_password(
        user.username, key="account_change_password",
        fields={"Form name": "Change password", "Current password": "Current (or one-time) password",
                "New password": "New password", "Repeat password": "Repeat the new password", "Reset": "Save password"},
    )
except CredentialsError:
    st.error("The current password is not right.")
    changed = False
except ResetError as exc:
    st.error(f"Password not changed: {exc}")
    changed = False
if changed:
    new_hash = auth.authentication_controller.authentication_model.credentials["usernames"][user.username]["password"]
    try:
        set_password_hash(db, actor, actor.user_id, new_hash)
    except AccountError as exc:
        st.error(str(exc))
    else:
        st.success("Password changed.")
        if pending:
            st.session_state["account_go_home"] = True
            st.rerun()
st.caption("A password needs 8 to 20 characters with an uppercase letter, a lowercase letter, a digit and a symbol.")
