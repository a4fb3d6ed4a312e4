"""The counselor's pages (admins see them too, under their own section)."""

import streamlit as st


def sections(default: bool = True) -> dict[str, list[st.Page]]:
    return {
        "Cohorts": [
            st.Page("pages/counselor_home.py", title="Cohort dashboard", icon=":material/groups:", default=default),
            st.Page("pages/counselor_student.py", title="Student detail", icon=":material/person_search:"),
            st.Page("pages/counselor_cohort.py", title="Settings and goals", icon=":material/flag:"),
        ],
    }
