"""The counselor's home: the cohorts assigned to them, with student counts."""

import streamlit as st

from core.cohorts import list_cohorts
from core.models import Role
from ui.guard import require

db, actor = require(Role.COUNSELOR, Role.ADMIN)

st.title("Your cohorts" if actor.role == Role.COUNSELOR else "All cohorts")
cohorts = list_cohorts(db, actor)
if not cohorts:
    st.info("No cohort is assigned to you yet. The career office assigns counselors to cohorts.")
    st.stop()

st.metric("Students across your cohorts", sum(c["students"] for c in cohorts))
st.dataframe(
    [{"Cohort": c["name"], "Students": c["students"], "Term starts": c["term_start"], "Term ends": c["term_end"],
      "Counselors": c["counselors"] or ""} for c in cohorts],
    hide_index=True, width="stretch",
)
