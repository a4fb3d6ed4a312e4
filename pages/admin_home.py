"""The career office's overview: accounts and cohorts, and what needs the office's attention."""

import streamlit as st

from core.admin.cohorts import cohort_count, list_cohorts
from core.config import get_settings
from core.identity.accounts import locked_usernames, user_counts
from core.identity.registration import registration_open_anywhere
from core.models import Role
from ui.guard import require

db, actor = require(Role.ADMIN)
settings = get_settings()

st.title("Career office", anchor=False)
counts = user_counts(db, actor)
cols = st.columns(4)
cols[0].metric("Students", counts["student"])
cols[1].metric("Counselors", counts["counselor"])
cols[2].metric("Admins", counts["admin"])
cols[3].metric("Active cohorts", cohort_count(db, actor))

pending = counts["awaiting_password"]
locked = locked_usernames(db, max_per_user=settings.login_max_failures_per_user, minutes=settings.login_lockout_minutes)
notes = []
if pending:
    notes.append(f"{pending} account(s) have not yet replaced their one-time password.")
if locked:
    notes.append(f"{len(locked)} username(s) are locked out after failed sign-ins (unlock them on Accounts).")
if registration_open_anywhere(db):
    notes.append("Self-registration is open for at least one cohort.")
for note in notes:
    st.info(note)

cohorts = list_cohorts(db, actor)
st.subheader("Cohorts", anchor=False)
if not cohorts:
    st.info("No cohorts yet: create one under Manage cohorts, then import its roster.")
else:
    st.dataframe(
        [{"Cohort": c["name"], "Students": c["students"], "Counselors": c["counselors"] or "none assigned",
          "Term": (f"{c['term_start']} to {c['term_end']}" if c["term_start"] and c["term_end"]
                 else "dates missing: add them under Manage cohorts")} for c in cohorts],
        hide_index=True, width="stretch",
    )
