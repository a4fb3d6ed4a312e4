"""The counselor's pages (admins see them too, under their own section)."""

import streamlit as st


def sections(default: bool = True) -> dict[str, list[st.Page]]:
    return {
        "Cohorts": [
            st.Page("pages/counselor_home.py", title="Cohorts", icon=":material/groups:", default=default),
        ],
    }
