"""The career office's (admin's) pages, then the counselors' cohort pages, which admins may use too."""

import streamlit as st

from ui import nav_counselor


def sections() -> dict[str, list[st.Page]]:
    own = {
        "Career office": [
            st.Page("pages/admin_home.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/admin_cohorts.py", title="Manage cohorts", icon=":material/school:"),
            st.Page("pages/admin_roster.py", title="Roster import", icon=":material/upload_file:"),
            st.Page("pages/admin_accounts.py", title="Accounts", icon=":material/manage_accounts:"),
            st.Page("pages/admin_registration.py", title="Self-registration", icon=":material/how_to_reg:"),
            st.Page("pages/admin_library.py", title="Content library", icon=":material/library_books:"),
            st.Page("pages/admin_audit.py", title="Audit log", icon=":material/history:"),
            st.Page("pages/admin_health.py", title="Health and backups", icon=":material/monitor_heart:"),
        ],
    }
    return {**own, **nav_counselor.sections(default=False)}
