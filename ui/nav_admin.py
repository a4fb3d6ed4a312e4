"""The career office's (admin's) pages, then the counselors' cohort pages, which admins may use too."""

from functools import partial

import streamlit as st

from ui import nav_counselor


def sections(*, default: bool = True, hidden: bool = False) -> dict[str, list[st.Page]]:
    page = partial(st.Page, visibility="hidden" if hidden else "visible")
    own = {
        "Career office": [
            page("pages/admin_home.py", title="Overview", icon=":material/dashboard:", default=default),
            page("pages/admin_cohorts.py", title="Manage cohorts", icon=":material/school:"),
            page("pages/admin_roster.py", title="Roster import", icon=":material/upload_file:"),
            page("pages/admin_volunteers.py", title="Volunteers", icon=":material/volunteer_activism:"),
            page("pages/admin_accounts.py", title="Accounts", icon=":material/manage_accounts:"),
            page("pages/admin_records.py", title="Student records", icon=":material/folder_shared:"),
            page("pages/admin_registration.py", title="Self-registration", icon=":material/how_to_reg:"),
            page("pages/admin_sso.py", title="Single sign-on", icon=":material/key:"),
            page("pages/admin_library.py", title="Content library", icon=":material/library_books:"),
            page("pages/admin_audit.py", title="Audit log", icon=":material/history:"),
            page("pages/admin_health.py", title="Health and backups", icon=":material/monitor_heart:"),
            page("pages/admin_outbox.py", title="Outbox", icon=":material/outbox:"),
        ],
    }
    return {**own, **nav_counselor.sections(default=False, hidden=hidden)}
