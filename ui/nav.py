"""The pages each role sees. Each role's list lives in its own module so areas grow independently."""

from __future__ import annotations

import streamlit as st

from core.models import Role


def pages_for(role: Role) -> dict[str, list[st.Page]]:
    """Sections of pages for a role, as st.navigation takes them."""
    from ui import nav_admin, nav_counselor, nav_student

    sections = {Role.STUDENT: nav_student, Role.COUNSELOR: nav_counselor, Role.ADMIN: nav_admin}[role].sections()
    sections.setdefault("Account", []).append(st.Page("pages/account.py", title="Account", icon=":material/person:"))
    return sections
