"""Accounts: find anyone, create staff accounts, change roles, deactivate, reset passwords, unlock."""

import streamlit as st
from pydantic import ValidationError

from core.config import get_settings
from core.errors import AccountError
from core.identity import accounts
from core.models import Role, UserCreate, field_errors
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)
settings = get_settings()
PASSWORD_KEY = "admin_accounts_issued"
PENDING_KEY = "admin_accounts_pending"  # ("deactivate" or "reset", the account's id) while the page asks

st.title("Accounts", anchor=False)
if flash := st.session_state.pop("admin_accounts_flash", None):
    st.success(flash)

issued = st.session_state.get(PASSWORD_KEY)
if issued:
    username, password = issued
    st.warning(f"One-time password for **{md_escape(username)}**, shown only now. Give it to them in person or "
               "by a channel you trust; they must choose their own password when they sign in.")
    st.code(password, language=None)
    if st.button("I have passed it on", key="admin_accounts_forget"):
        st.session_state.pop(PASSWORD_KEY, None)
        st.rerun()

left, mid, right = st.columns([3, 1, 1])
search = left.text_input("Search", key="admin_accounts_search", placeholder="name, username, email or student ID")
role_label = mid.selectbox("Role", ["Any", "student", "counselor", "admin"], key="admin_accounts_role")
status = right.selectbox("Status", ["Any", "Active", "Deactivated"], key="admin_accounts_status")
found = accounts.list_users(db, actor, search=search, role=None if role_label == "Any" else Role(role_label),
                            active={"Any": None, "Active": True, "Deactivated": False}[status])
locked = accounts.locked_usernames(db, max_per_user=settings.login_max_failures_per_user,
                                   minutes=settings.login_lockout_minutes)
st.dataframe(
    [{"Name": f"{u['first_name']} {u['last_name']}", "Username": u["username"], "Email": u["email"],
      "Role": u["role"], "Cohort": u["cohort"] or "", "Student ID": u["student_number"] or "",
      "Status": ("locked out" if u["username"] in locked else "active") if u["active"] else "deactivated",
      "Password": "one-time (not yet changed)" if u["must_change_password"] else "own",
      "Last sign-in": when(u["last_login_at"])} for u in found],
    hide_index=True, width="stretch",
)
st.caption(f"{len(found)} account(s)" + (" (first 500 shown; refine the search)" if len(found) == 500 else ""))

if found:
    st.subheader("Manage an account", anchor=False)
    by_label = {f"{u['first_name']} {u['last_name']} ({u['username']})": u for u in found}
    user = by_label[st.selectbox("Account", list(by_label), key="admin_accounts_pick")]
    uid = user["id"]
    is_me = uid == actor.user_id
    with st.container(border=True):
        a, b = st.columns(2)
        with a:
            st.text(f"{user['first_name']} {user['last_name']} · {user['email']}")
            st.caption(f"Created {when(user['created_at'])} · last sign-in {when(user['last_login_at'])}")
            new_role = st.selectbox("Role", [r.value for r in Role], index=[r.value for r in Role].index(user["role"]),
                                    key=f"admin_accounts_role_{uid}", disabled=is_me,
                                    help="A student who becomes staff leaves their cohort; a counselor who changes "
                                         "role loses their cohort assignments. Campaign data stays.")
            if new_role != user["role"] and st.button(f"Make {new_role}", key=f"admin_accounts_apply_role_{uid}"):
                try:
                    accounts.change_role(db, actor, uid, Role(new_role))
                except AccountError as exc:
                    st.error(md_escape(str(exc)))
                else:
                    st.session_state["admin_accounts_flash"] = f"{md_escape(user['username'])} is now a {new_role}."
                    st.rerun()
        with b:
            if user["active"]:
                if st.button("Deactivate", key=f"admin_accounts_deactivate_{uid}", disabled=is_me,
                             icon=":material/person_off:",
                             help="Asks first. They can no longer sign in; their campaign and history are kept."):
                    st.session_state[PENDING_KEY] = ("deactivate", uid)
            elif st.button("Reactivate", key=f"admin_accounts_reactivate_{uid}", icon=":material/person_check:"):
                accounts.set_active(db, actor, uid, True)
                st.session_state["admin_accounts_flash"] = f"{md_escape(user['username'])} can sign in again."
                st.rerun()
            if st.button("Reset password", key=f"admin_accounts_reset_{uid}", disabled=is_me, icon=":material/key:",
                         help="Asks first. Gives a new one-time password; the old one stops working at once."):
                st.session_state[PENDING_KEY] = ("reset", uid)
            if user["username"] in locked and st.button("Unlock sign-in", key=f"admin_accounts_unlock_{uid}",
                                                         icon=":material/lock_open:"):
                accounts.unlock(db, actor, uid)
                st.session_state["admin_accounts_flash"] = f"{md_escape(user['username'])} can try to sign in again."
                st.rerun()
        # Deactivating and resetting a password act at once on someone else's sign-in: the page asks first,
        # naming the person, and nothing changes until Confirm.
        pending = st.session_state.get(PENDING_KEY)
        if pending and (pending[1] != uid or is_me or (pending[0] == "deactivate" and not user["active"])):
            st.session_state.pop(PENDING_KEY, None)
            pending = None
        if pending:
            what, _ = pending
            name = f"{user['first_name']} {user['last_name']}"
            person = md_escape(f"{name} ({user['role']}, {user['email']})")
            if what == "deactivate":
                st.warning(f"**Deactivate {person}?** They are signed out at once and can no longer sign in. "
                           "Their campaign and history are kept; you can reactivate them later.",
                           icon=":material/person_off:")
            else:
                st.warning(f"**Reset the password of {person}?** Their current password stops working at once and "
                           "they are signed out; you get a one-time password to give them.", icon=":material/key:")
            yes, no = st.columns(2)
            verb = "deactivate" if what == "deactivate" else "reset the password of"
            if yes.button(f"Confirm: {verb} {md_escape(name)}", key=f"admin_accounts_confirm_{what}_{uid}",
                          type="primary"):
                st.session_state.pop(PENDING_KEY, None)
                try:
                    if what == "deactivate":
                        accounts.set_active(db, actor, uid, False)
                    else:
                        password = accounts.reset_password(db, actor, uid, rounds=settings.one_time_password_rounds)
                except AccountError as exc:
                    st.error(md_escape(str(exc)))
                else:
                    if what == "deactivate":
                        st.session_state["admin_accounts_flash"] = f"{md_escape(user['username'])} is deactivated."
                    else:
                        st.session_state[PASSWORD_KEY] = (user["username"], password)
                    st.rerun()
            if no.button("Cancel", key=f"admin_accounts_cancel_{what}_{uid}"):
                st.session_state.pop(PENDING_KEY, None)
                st.rerun()
        if is_me:
            st.caption("This is your own account: another admin changes its role or status.")

with st.expander("Create a staff account (counselor or admin)", icon=":material/person_add:"):
    st.caption("Students come in through Roster import or self-registration. A new account gets a one-time password.")
    with st.form("admin_accounts_create"):
        c1, c2 = st.columns(2)
        first = c1.text_input("First name", key="admin_accounts_new_first")
        last = c2.text_input("Last name", key="admin_accounts_new_last")
        email = c1.text_input("Email", key="admin_accounts_new_email")
        username = c2.text_input("Username", key="admin_accounts_new_username")
        role = st.radio("Role", ["counselor", "admin"], horizontal=True, key="admin_accounts_new_role")
        if st.form_submit_button("Create account", type="primary"):
            password = accounts.one_time_password()
            try:
                data = UserCreate(username=username, email=email, first_name=first, last_name=last, role=Role(role),
                                  password=password, must_change_password=True)
                accounts.create_user(db, actor, data, rounds=settings.one_time_password_rounds)
            except ValidationError as exc:
                for message in field_errors(exc).values():
                    st.error(md_escape(message))
            except AccountError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.session_state[PASSWORD_KEY] = (data.username, password)
                st.rerun()
