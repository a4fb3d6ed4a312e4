"""What a download form asks before a file with student records leaves: who it is for, and from where.

Every such file is recorded (core/admin/disclosures.py). The form asks whether the file is for staff of
the institution or for someone outside it, and then who receives it and why; `request_address` is
the browser's address as the sign-in throttle resolves it (ui.auth.client_address, behind a trusted
proxy the client it names), taken while the page is drawn and recorded with the download.
"""

from __future__ import annotations

import streamlit as st

from core.admin import disclosures
from core.config import get_settings
from core.errors import ExportError
from ui.auth import client_address

_OPTIONS = {False: disclosures.INSIDE_LABEL, True: disclosures.OUTSIDE_LABEL}


def request_address() -> str | None:
    """The address of the browser this run serves (None in tests without a request)."""
    return client_address(get_settings())


def who_for(key: str) -> disclosures.Purpose | None:
    """Ask who the file is for; the purpose to record, or None (with a message) while a file for someone
    outside the institution has no purpose yet: the download is not offered until it has one."""
    outside = st.radio("Who is the file for?", list(_OPTIONS), format_func=_OPTIONS.get, key=f"{key}_outside",
                       horizontal=True,
                       help="Every download of student records is recorded with who took it, when and from where; "
                            "the students concerned see it on their Account page.")
    if not outside:
        return disclosures.INSIDE
    text = st.text_input("Who receives it, and why", key=f"{key}_purpose", max_chars=disclosures.PURPOSE_MAX,
                         help=disclosures.PURPOSE_HELP)
    try:
        return disclosures.purpose_for(True, text)
    except ExportError as exc:
        st.info(f"{exc} The download appears once it is given.", icon=":material/edit_note:")
        return None
