"""Cohorts: create, rename, term dates, timing defaults, counselors, archive (career office)."""

import streamlit as st
from pydantic import ValidationError

from core.admin.cohorts import (
    all_cohorts,
    assign_counselor,
    cohort_counselors,
    counselors,
    create_cohort,
    set_archived,
    unassign_counselor,
    update_cohort,
)
from core.config import get_settings
from core.models import CohortCreate, CohortUpdate, Role, field_errors
from core.rules.timing import FOLLOW_UP_BUSINESS_DAYS, STALLED_AFTER_DAYS, THANK_YOU_WINDOW_HOURS
from ui import forms
from ui.campaign import FieldErrors
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)
P = "admin_cohorts"
_LABELS = {"name": "Name", "term_start": "Term starts", "term_end": "Term ends",
           "thank_you_window_hours": "Thank-you due within (hours)", "stalled_after_days": "Stalled after (days)",
           "follow_up_business_days": "Follow up after (business days)"}

st.title("Cohorts", anchor=False)
if flash := st.session_state.pop("admin_cohorts_flash", None):
    st.success(flash)
if (archived_id := st.session_state.get(f"{P}_undo_archive")) is not None:
    note, undo = st.columns([4, 1], vertical_alignment="center")
    note.success("Cohort archived. Its students, campaigns and history are kept.", icon=":material/archive:")
    if undo.button("Undo", key=f"{P}_undo_archive_button", icon=":material/undo:"):
        if forms.submit(lambda: set_archived(db, actor, archived_id, False)).ok:
            st.session_state.pop(f"{P}_undo_archive", None)
            st.session_state["admin_cohorts_flash"] = "Archiving undone: the cohort is back."
            st.rerun()
cohorts = all_cohorts(db, actor)
st.dataframe(
    [{"Cohort": c["name"], "Students": c["students"], "Counselors": c["counselor_count"],
      "Term": (f"{c['term_start']} to {c['term_end']}" if c["term_start"] and c["term_end"]
                 else "dates missing: add them under Change a cohort"),
      "Thank-you window (h)": c["thank_you_window_hours"], "Stalled after (days)": c["stalled_after_days"],
      "Registration": "open" if c["self_registration"] else "closed",
      "Archived": when(c["archived_at"]) if c["archived_at"] else ""} for c in cohorts],
    hide_index=True, width="stretch",
)


def _timing_fields(prefix: str, source: dict | None = None) -> dict:
    # A new cohort's form starts at the portal's settings for new cohorts; the ranges are the rules' own.
    settings = get_settings()
    source = source or {name: getattr(settings, name) for name in
                        ("thank_you_window_hours", "stalled_after_days", "follow_up_business_days")}
    a, b, c = st.columns(3)
    window, stalled, follow = THANK_YOU_WINDOW_HOURS, STALLED_AFTER_DAYS, FOLLOW_UP_BUSINESS_DAYS
    return {
        "thank_you_window_hours": a.number_input(
            "Thank-you due within (hours)", min_value=window.low, max_value=window.high, key=f"{prefix}_window",
            value=int(source["thank_you_window_hours"]),
            help="How long after a meeting the thank-you is due; the seeds advise 24 hours to two days."),
        "stalled_after_days": b.number_input(
            "Stalled after (days without activity)", min_value=stalled.low, max_value=stalled.high,
            key=f"{prefix}_stalled", value=int(source["stalled_after_days"])),
        "follow_up_business_days": c.number_input(
            "Follow up after (business days without reply)", min_value=follow.low, max_value=follow.high,
            key=f"{prefix}_follow", value=int(source["follow_up_business_days"])),
    }


def _term_fields(prefix: str, errors: FieldErrors, source: dict | None = None) -> tuple:
    """The two term dates, each with its message slot under it (a cohort needs both)."""
    source = source or {}
    left, right = st.columns(2)
    with left:
        start = st.date_input("Term starts", value=source.get("term_start"), key=f"{prefix}_start")
        errors.slot("term_start")
    with right:
        end = st.date_input("Term ends", value=source.get("term_end"), key=f"{prefix}_end")
        errors.slot("term_end")
    return start, end


def _validated(errors: FieldErrors, **entered) -> CohortCreate | None:
    try:
        return CohortCreate(**entered)
    except ValidationError as exc:
        errors.show(field_errors(exc))
        return None


with st.expander("Create a cohort", icon=":material/add:", expanded=not cohorts):
    with st.form("admin_cohorts_create", clear_on_submit=False):
        new_errors = FieldErrors()
        name = st.text_input("Name", key="admin_cohorts_new_name",
                             placeholder="Health & Science Explorers, Spring 2027")
        new_errors.slot("name")
        start, end = _term_fields("admin_cohorts_new", new_errors)
        timing = _timing_fields("admin_cohorts_new")
        if st.form_submit_button("Create cohort", type="primary"):
            data = _validated(new_errors, name=name, term_start=start, term_end=end, **timing)
            if data is not None:
                result = forms.submit(lambda: create_cohort(db, actor, data), errors=new_errors, labels=_LABELS)
                if result.ok:
                    st.session_state["admin_cohorts_flash"] = f"Created {md_escape(result.value.name)}."
                    st.rerun()

if not cohorts:
    st.info("No cohorts yet. Create the first one above, then import its roster.")
    st.stop()

st.subheader("Change a cohort", anchor=False)
by_label = {f"{c['name']}{' (archived)' if c['archived_at'] else ''}": c for c in cohorts}
chosen = by_label[st.selectbox("Cohort", list(by_label), key="admin_cohorts_pick")]
cid = chosen["id"]

# The open tab is kept in session state (key, on_change="rerun"), so a save's rerun, whose message above
# moves the tabs, keeps the person on the tab they were working in.
settings_tab, counselors_tab, archive_tab = st.tabs(["Name, term and timing", "Counselors", "Archive"],
                                                    key=f"{P}_tab", on_change="rerun")

with settings_tab:
    edit_name = f"{P}_edit_{cid}"
    opened = forms.opened_version(edit_name, chosen["version"])
    with st.form(f"admin_cohorts_edit_{cid}"):
        edit_errors = FieldErrors()
        name = st.text_input("Name", value=chosen["name"], key=f"admin_cohorts_name_{cid}")
        edit_errors.slot("name")
        start, end = _term_fields(f"admin_cohorts_edit_{cid}", edit_errors, chosen)
        timing = _timing_fields(f"admin_cohorts_edit_{cid}", chosen)
        if st.form_submit_button("Save changes", type="primary"):
            entered = {"name": name, "term_start": start, "term_end": end, **timing}
            if _validated(edit_errors, **entered) is not None:
                # Only what changed, so the audit log says what this save actually did.
                changes = CohortUpdate(**{k: v for k, v in entered.items() if v != chosen[k]})
                result = forms.submit(
                    lambda: update_cohort(db, actor, cid, changes, expected_version=opened,
                                          original={k: chosen[k] for k in entered}),
                    name=edit_name, errors=edit_errors, labels=_LABELS)
                if result.ok:
                    st.session_state["admin_cohorts_flash"] = ("Saved. Due dates and flags use the new settings "
                                                               "at once.")
                    st.rerun()

with counselors_tab:
    assigned = cohort_counselors(db, actor, cid)
    if not assigned:
        st.warning("No counselor is assigned: nobody is watching this cohort's progress.")
    for person in assigned:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.text(f"{person['first_name']} {person['last_name']} ({person['username']})"
                  + ("" if person["active"] else " — deactivated"))
        if right.button("Unassign", key=f"admin_cohorts_unassign_{cid}_{person['id']}",
                        icon=":material/person_remove:"):
            if forms.submit(lambda: unassign_counselor(db, actor, cid, person["id"])).ok:
                st.session_state["admin_cohorts_flash"] = (
                    f"{md_escape(person['first_name'] + ' ' + person['last_name'])} no longer follows "
                    f"{md_escape(chosen['name'])}.")
                st.rerun()
    free = {f"{c['first_name']} {c['last_name']} ({c['username']})": c["id"]
            for c in counselors(db, actor) if c["id"] not in {a["id"] for a in assigned}}
    if free:
        with st.form(f"admin_cohorts_assign_{cid}"):
            pick = st.selectbox("Assign a counselor", list(free), key=f"admin_cohorts_assign_pick_{cid}")
            if st.form_submit_button("Assign", icon=":material/person_add:"):
                if forms.submit(lambda: assign_counselor(db, actor, cid, free[pick])).ok:
                    st.session_state["admin_cohorts_flash"] = (
                        f"Assigned {md_escape(pick)} to {md_escape(chosen['name'])}: they see its students "
                        "on their dashboard now.")
                    st.rerun()
    else:
        st.caption("Every active counselor is assigned here. Create counselor accounts on the Accounts page.")

with archive_tab:
    if chosen["archived_at"]:
        st.info(f"Archived on {when(chosen['archived_at'])}. Its students, campaigns and history are kept.")
        if st.button("Bring the cohort back", key=f"admin_cohorts_unarchive_{cid}", icon=":material/unarchive:"):
            if forms.submit(lambda: set_archived(db, actor, cid, False)).ok:
                st.session_state.pop(f"{P}_undo_archive", None)
                st.session_state["admin_cohorts_flash"] = f"{md_escape(chosen['name'])} is back."
                st.rerun()
    else:
        st.write("Archiving hides the cohort from lists and dashboards and closes self-registration. "
                 "Nothing is deleted; you can bring it back.")
        confirm = st.checkbox("Yes, archive this cohort", key=f"admin_cohorts_confirm_{cid}")
        if st.button("Archive", key=f"admin_cohorts_archive_{cid}", disabled=not confirm, icon=":material/archive:"):
            if forms.submit(lambda: set_archived(db, actor, cid, True, expected_version=chosen["version"])).ok:
                st.session_state[f"{P}_undo_archive"] = cid
                st.rerun()
