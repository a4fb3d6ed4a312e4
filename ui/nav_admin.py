"""The career office's (admin's) pages."""

import streamlit as st


def sections() -> dict[str, list[st.Page]]:
    return {
        "Career office": [
            st.Page("pages/admin_home.py", title="Overview", icon=":material/dashboard:", default=True),
        ],
    }
