"""The career office's (admin's) pages, then the counselors' cohort pages, which admins may use too."""

import streamlit as st

from ui import nav_counselor


def sections() -> dict[str, list[st.Page]]:
    own = {
        "Career office": [
            st.Page("pages/admin_home.py", title="Overview", icon=":material/dashboard:", default=True),
        ],
    }
    return {**own, **nav_counselor.sections(default=False)}
