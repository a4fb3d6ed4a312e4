"""The counselor's pages."""

import streamlit as st


def sections() -> dict[str, list[st.Page]]:
    return {
        "My cohorts": [
            st.Page("pages/counselor_home.py", title="Cohorts", icon=":material/groups:", default=True),
        ],
    }
