"""Account: who you are, your notification choices, changing your password (required after a one-time password),
and for a student, which files of student records that left the portal held theirs.

Every email's settings link opens /account?section=notifications: the notification choices then come first.
"""

import streamlit as st

from core.admin.disclosures import mine as disclosures_of_mine
from core.config import get_settings
from core.errors import AccountError
from core.identity.accounts import change_password, get_user, must_change_password, password_rule
from core.messaging.mailer import email_status
from core.messaging.notify import (
    DIGEST_FREQUENCIES,
    digest_frequency,
    email_choices,
    kinds_for,
    set_notification_settings,
)
from core.models import Role
from core.oversight.records import archive_file
from ui import forms
from ui.auth import start_new_session
from ui.disclosures import request_address
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import local

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
settings = get_settings()
rule = password_rule(settings.password_min_length)
# A refused attempt keeps what was typed (the form is not cleared on submit); a saved one empties it below.
_PASSWORD_KEYS = ("account_current_password", "account_new_password", "account_repeat_password")
with st.form("account_change_password"):
    st.subheader("Change password", anchor=False)
    st.markdown(rule)
    current = st.text_input("Current (or one-time) password", type="password", key=_PASSWORD_KEYS[0],
                            autocomplete="current-password")
    new = st.text_input("New password", type="password", key=_PASSWORD_KEYS[1], help=rule,
                        autocomplete="new-password")
    repeat = st.text_input("Repeat the new password", type="password", key=_PASSWORD_KEYS[2],
                           autocomplete="new-password")
    problem = st.empty()
    submitted = st.form_submit_button("Save password")
if submitted:
    if new != repeat:
        problem.error("The new password and its repetition differ.")
    else:
        try:
            change_password(db, actor, current, new, rounds=settings.bcrypt_rounds,
                            min_length=settings.password_min_length)
        except AccountError as exc:
            problem.error(str(exc))
        else:
            # Every session of this account has just ended; this tab goes on in a new one, with a new cookie.
            start_new_session(db, settings, actor)
            for key in _PASSWORD_KEYS:
                st.session_state.pop(key, None)
            if pending:
                st.session_state["app_go_home"] = True
            else:
                st.session_state["account_password_done"] = (
                    "Password changed. You are signed out everywhere else; sign in there with the new password.")
            st.rerun()


def your_data() -> None:
    """A student's copy of everything the portal holds about them, in one ZIP."""
    st.subheader("Your data", anchor="your-data")
    st.markdown("Everything the portal holds about you, in one ZIP file: your contacts, research, messages, "
                "meetings, thank-you notes, reflections (private ones included), keep-in-touch notes, comments, "
                "notifications, sign-ins and the event log. Each table comes as a JSON file and as a CSV file that "
                "opens in a spreadsheet, with a README that says what every column holds. The file is made when "
                "you click, and the portal records that you downloaded it.")
    address = request_address()
    download_link("Download all my data (ZIP)",
                  for_session(db, lambda who: archive_file(db, who, who.user_id, address=address)),
                  key="account_your_data")


if not pending and actor.role == Role.STUDENT:
    your_data()


def files_with_my_records() -> None:
    """For a student: every recorded file that held their records (core/admin/disclosures.py), newest first."""
    st.subheader("Who took your records out", anchor="records-taken-out")
    st.write("Each time a file holding your records leaves the portal (a cohort export by your counselor or the "
             "career office, a backup, an archive of your data), it is recorded with who took it, when, and for a "
             "file meant for someone outside the institution, why. Exports never hold your private reflections; a "
             "backup, a copy of the whole portal kept by the career office, does.")
    taken = disclosures_of_mine(db, actor)
    if not taken:
        st.info("No file holding your records has been taken out of the portal.")
        return
    st.dataframe([{"When": local(d["occurred_at"]).strftime("%Y-%m-%d %H:%M"), "File": d["what"],
                   "Taken by": f"{d['actor']} ({d['actor_role']})" if d["actor_role"] else d["actor"],
                   "For": d["for_whom"]} for d in taken],
                 hide_index=True, width="stretch", column_config={"For": st.column_config.TextColumn(width="large")})


if not pending and actor.role == Role.STUDENT:
    files_with_my_records()
