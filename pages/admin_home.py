"""The career office's overview: accounts and cohorts."""

import streamlit as st

from core.accounts import user_counts
from core.cohorts import cohort_count, list_cohorts
from core.models import Role
from ui.guard import require

db, actor = require(Role.ADMIN)

st.title("Career office")
counts = user_counts(db, actor)
cols = st.columns(4)
cols[0].metric("Students", counts["student"])
cols[1].metric("Counselors", counts["counselor"])
cols[2].metric("Admins", counts["admin"])
cols[3].metric("Active cohorts", cohort_count(db, actor))

st.subheader("Cohorts")
st.dataframe(
    [{"Cohort": c["name"], "Students": c["students"], "Counselors": c["counselors"] or "none assigned",
      "Term": f"{c['term_start'] or '?'} to {c['term_end'] or '?'}"} for c in list_cohorts(db, actor)],
    hide_index=True, width="stretch",
)
