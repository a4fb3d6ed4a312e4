"""The counselor's pages (admins see them too, under their own section)."""

from functools import partial

import streamlit as st


def sections(*, default: bool = True, hidden: bool = False) -> dict[str, list[st.Page]]:
    page = partial(st.Page, visibility="hidden" if hidden else "visible")
    return {
        "Cohorts": [
            page("pages/counselor_home.py", title="Cohort dashboard", icon=":material/groups:", default=default),
            page("pages/counselor_student.py", title="Student detail", icon=":material/person_search:"),
            page("pages/counselor_cohort.py", title="Settings and goals", icon=":material/flag:"),
        ],
    }
