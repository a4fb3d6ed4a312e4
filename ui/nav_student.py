"""The student's pages."""

import streamlit as st


def sections() -> dict[str, list[st.Page]]:
    return {
        "My campaign": [
            st.Page("pages/student_home.py", title="Home", icon=":material/checklist:", default=True),
        ],
    }
