"""Audit log: who changed what, one plain sentence per event, filtered by person, cohort, action and date."""

from datetime import timedelta

import streamlit as st

from core.admin.audit import action_words, actions, list_events
from core.admin.cohorts import all_cohorts
from core.clock import utcnow
from core.config import get_settings
from core.identity.accounts import list_users
from core.models import Role
from ui.guard import require
from ui.widgets import local

db, actor = require(Role.ADMIN)

st.title("Audit log", anchor=False)
st.write("Every change in the portal is recorded with who made it and when, one sentence each. "
         "Times are in the portal's time zone.")

# The role beside each name tells namesakes apart and says whose account it is.
people = {f"{u['first_name']} {u['last_name']} ({u['role']}, {u['username']})": u["id"]
          for u in list_users(db, actor, limit=100_000)}
cohorts = {c["name"]: c["id"] for c in all_cohorts(db, actor)}
a, b, c = st.columns(3)
who = a.selectbox("Person (did it, or it was done to them)", ["Anyone", *people], key="admin_audit_person")
cohort = b.selectbox("Cohort", ["Any", *cohorts], key="admin_audit_cohort")
action = c.selectbox("Action", ["Any", *actions(db, actor)], key="admin_audit_action",
                     format_func=lambda a: a if a == "Any" else action_words(a))
today = utcnow().date()
d1, d2, d3 = st.columns([1, 1, 1])
since = d1.date_input("From", value=today - timedelta(days=30), key="admin_audit_since")
until = d2.date_input("To", value=today, key="admin_audit_until")
limit = d3.number_input("Show at most", min_value=50, max_value=20_000, value=1_000, step=50, key="admin_audit_limit")
if since and until and until < since:
    st.error("The end date is before the start date.")
    st.stop()

found = list_events(db, actor, user_id=people.get(who), cohort_id=cohorts.get(cohort), since=since, until=until,
                    action=None if action == "Any" else action, limit=int(limit), zone=get_settings().timezone)
st.dataframe(
    [{"When": local(e["occurred_at"]).strftime("%Y-%m-%d %H:%M"),
      "Who": e["actor"] if e["actor_id"] is not None else "the portal (automatic)",
      "Role": e["actor_role"] or "", "What happened": e["sentence"],
      "Student": e["student"] or "", "Cohort": e["cohort"] or ""} for e in found],
    hide_index=True, width="stretch",
    column_config={"What happened": st.column_config.TextColumn(width="large")},
)
st.write(f"{len(found)} event(s)" + (" — the limit was reached; narrow the filters to see older ones."
                                      if len(found) == int(limit) else ""))
