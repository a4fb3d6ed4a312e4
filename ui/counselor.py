"""Streamlit glue shared by the counselor pages: the cohort picker, opening a student's detail page, and the
dashboard's export buttons."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.admin.cohorts import list_cohorts
from core.admin.disclosures import Purpose, recorded_file
from core.admin.downloads import Maker
from core.errors import AccessDenied, NotFound, SessionEnded, check_id
from core.models import Actor, Role
from core.oversight.export import KINDS, export_csv, export_file, file_name
from core.store.db import Database
from ui.disclosures import request_address, who_for
from ui.downloads import download_link, for_session
from ui.guard import session_user

STUDENT_PAGE = "pages/counselor_student.py"
DASHBOARD_PAGE = "pages/counselor_home.py"
STUDENT_PARAM = "student"
_LAST_COHORT = "counselor_last_cohort"
ALL = -1


def cohort_picker(db: Database, actor: Actor, *, key: str, allow_all: bool) -> tuple[int | None, list[dict[str, Any]]]:
    """A select box of the cohorts the actor may read; returns (cohort id or None for all, the cohorts).

    The choice is remembered across the counselor pages. Stops the page when there is no cohort.
    """
    cohorts = list_cohorts(db, actor)
    if not cohorts:
        st.info("No cohort is assigned to you yet. The career office assigns counselors to cohorts.")
        st.stop()
    names = {c["id"]: c["name"] for c in cohorts}
    options = ([ALL] if allow_all and len(cohorts) > 1 else []) + list(names)
    remembered = st.session_state.get(_LAST_COHORT)
    if key not in st.session_state and remembered in options:
        st.session_state[key] = remembered
    chosen = st.selectbox("Cohort", options, key=key,
                          format_func=lambda i: f"All cohorts ({len(cohorts)})" if i == ALL else names[i])
    st.session_state[_LAST_COHORT] = chosen
    return (None if chosen == ALL else chosen), cohorts


def ask_for_cohort(key: str, cohort_id: int) -> None:
    """Make the picker drawn with `key` open on this cohort (when the actor may read it; else as usual)."""
    st.session_state.pop(key, None)
    st.session_state[_LAST_COHORT] = cohort_id


def open_student(student_id: int) -> None:
    """Go to the student detail page for this student (the page re-checks access for the id)."""
    st.switch_page(STUDENT_PAGE, query_params={STUDENT_PARAM: str(int(student_id))})


def requested_student() -> int | None:
    """The student id asked for in the address (None when none is); core checks access for it.

    Anything that cannot be a stored id ('abc', '²', a 20-digit number) raises NotFound, so the page
    says "No such student" instead of quietly showing someone else.
    """
    raw = st.query_params.get(STUDENT_PARAM)
    if raw is None or not str(raw).strip():
        return None
    return check_id(raw, "student")


def export_download(db: Database, kind: str, *, name: str, purpose: Purpose | None = None,
                    address: str | None = None, **options: Any) -> Maker:
    """What an export button makes when clicked: the export written to disk for this session's account
    as it is at that moment (one deactivated, moved to another role or signed out elsewhere since the
    dashboard opened gets no file), offered to the browser as `name`, and recorded as taken out with the
    purpose and the browser's address (core/admin/disclosures.py)."""
    return for_session(db, lambda actor: export_file(db, actor, kind, name=name, purpose=purpose, address=address,
                                                     **options))


EXPORT_LABELS = {"progress": "Cohort progress (one row per student)", "pipeline": "Pipeline (one row per contact)",
                 "activity": "Activity log (one row per event)"}


@st.fragment
def export_buttons(db: Database, *, cohort_id: int | None, cohort_name: str | None, key: str, **options: Any) -> None:
    """The dashboard's three export buttons, each a one-time link to its file (made on the click, sent from disk),
    after the question of who the files are for (ui/disclosures.py): each download is recorded.

    A click reruns only these buttons, which then hold fresh links: not the whole dashboard, whose
    figures cost far more than the download at institution size. So this run checks the session
    itself, as the page guard would, and core checks the export's access before a button is drawn.
    """
    try:
        actor = session_user(db)
    except SessionEnded as exc:
        st.warning(str(exc))
        return
    if actor is None:
        return
    purpose = who_for(f"{key}_disclosure")
    if purpose is None:
        return
    address = request_address()
    try:
        for kind in KINDS:
            export_csv(db, actor, kind, cohort_id=cohort_id, **options)  # refused now rather than on the click
            download_link(EXPORT_LABELS[kind], export_download(db, kind, name=file_name(kind, cohort_name),
                                                                purpose=purpose, address=address,
                                                                cohort_id=cohort_id, **options), key=f"{key}_{kind}")
    except (AccessDenied, NotFound) as exc:
        st.error(str(exc))


@st.fragment
def comparison_download(db: Database, data: bytes, *, rows: int, name: str, key: str) -> None:
    """The career office's download of the cohort comparison (one row per cohort, figures only), after the
    question of who it is for; recorded as taken out when the link is opened. A click reruns only this."""
    purpose = who_for(f"{key}_disclosure")
    if purpose is None:
        return
    address = request_address()
    download_link("Download the comparison (CSV)", for_session(db, lambda actor: recorded_file(
        db, actor, "comparison", data, file_name=name, rows=rows, roles=(Role.ADMIN,),
        covers="every cohort, one row each", purpose=purpose, address=address)), key=key)


def back_to_dashboard() -> None:
    """A button back to the cohort dashboard (a button, not st.page_link, so the page also runs on its own)."""
    if st.button("Cohort dashboard", key="counselor_back_to_dashboard", icon=":material/arrow_back:", type="tertiary"):
        st.switch_page(DASHBOARD_PAGE)
