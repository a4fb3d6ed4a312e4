"""Cohorts: create, rename, term dates, timing defaults, counselors, archive (career office)."""

import streamlit as st
from pydantic import ValidationError

from core.access import NotFound
from core.cohort_admin import all_cohorts, cohort_counselors, counselors, set_archived, unassign_counselor
from core.cohorts import CohortError, assign_counselor, create_cohort, update_cohort
from core.models import CohortCreate, CohortUpdate, Role, field_errors
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)

st.title("Cohorts")
if flash := st.session_state.pop("admin_cohorts_flash", None):
    st.success(flash)
cohorts = all_cohorts(db, actor)
st.dataframe(
    [{"Cohort": c["name"], "Students": c["students"], "Counselors": c["counselor_count"],
      "Term": f"{c['term_start'] or '?'} to {c['term_end'] or '?'}",
      "Thank-you window (h)": c["thank_you_window_hours"], "Stalled after (days)": c["stalled_after_days"],
      "Registration": "open" if c["self_registration"] else "closed",
      "Archived": when(c["archived_at"]) if c["archived_at"] else ""} for c in cohorts],
    hide_index=True, width="stretch",
)


def _timing_fields(prefix: str, source: dict | None = None) -> dict:
    source = source or {}
    a, b, c = st.columns(3)
    return {
        "thank_you_window_hours": a.number_input(
            "Thank-you due within (hours)", min_value=1, max_value=24 * 14, key=f"{prefix}_window",
            value=int(source.get("thank_you_window_hours", 48)),
            help="How long after a meeting the thank-you is due; the seeds advise 24 hours to two days."),
        "stalled_after_days": b.number_input(
            "Stalled after (days without activity)", min_value=1, max_value=365, key=f"{prefix}_stalled",
            value=int(source.get("stalled_after_days", 14))),
        "follow_up_business_days": c.number_input(
            "Follow up after (business days without reply)", min_value=1, max_value=30, key=f"{prefix}_follow",
            value=int(source.get("follow_up_business_days", 3))),
    }


def _show_errors(errors: dict[str, str]) -> None:
    for message in errors.values():
        st.error(md_escape(message))


with st.expander("Create a cohort", icon=":material/add:", expanded=not cohorts):
    with st.form("admin_cohorts_create", clear_on_submit=False):
        name = st.text_input("Name", key="admin_cohorts_new_name", placeholder="Health & Science Explorers, Spring 2027")
        left, right = st.columns(2)
        start = left.date_input("Term starts", value=None, key="admin_cohorts_new_start")
        end = right.date_input("Term ends", value=None, key="admin_cohorts_new_end")
        timing = _timing_fields("admin_cohorts_new")
        if st.form_submit_button("Create cohort", type="primary"):
            try:
                data = CohortCreate(name=name, term_start=start, term_end=end, **timing)
                created = create_cohort(db, actor, data)
            except ValidationError as exc:
                _show_errors(field_errors(exc))
            except CohortError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.session_state["admin_cohorts_flash"] = f"Created {md_escape(created.name)}."
                st.rerun()

if not cohorts:
    st.info("No cohorts yet. Create the first one above, then import its roster.")
    st.stop()

st.subheader("Change a cohort")
by_label = {f"{c['name']}{' (archived)' if c['archived_at'] else ''}": c for c in cohorts}
chosen = by_label[st.selectbox("Cohort", list(by_label), key="admin_cohorts_pick")]
cid = chosen["id"]

settings_tab, counselors_tab, archive_tab = st.tabs(["Name, term and timing", "Counselors", "Archive"])

with settings_tab:
    with st.form(f"admin_cohorts_edit_{cid}"):
        name = st.text_input("Name", value=chosen["name"], key=f"admin_cohorts_name_{cid}")
        left, right = st.columns(2)
        start = left.date_input("Term starts", value=chosen["term_start"], key=f"admin_cohorts_start_{cid}")
        end = right.date_input("Term ends", value=chosen["term_end"], key=f"admin_cohorts_end_{cid}")
        timing = _timing_fields(f"admin_cohorts_edit_{cid}", chosen)
        if st.form_submit_button("Save changes", type="primary"):
            try:
                entered = {"name": name, "term_start": start, "term_end": end, **timing}
                # Only what changed, so the audit log says what this save actually did.
                changes = CohortUpdate(**{k: v for k, v in entered.items() if v != chosen[k]})
                if changes.model_dump(exclude_unset=True):
                    update_cohort(db, actor, cid, changes)
            except ValidationError as exc:
                _show_errors(field_errors(exc))
            except (CohortError, NotFound) as exc:
                st.error(md_escape(str(exc)))
            else:
                st.session_state["admin_cohorts_flash"] = ("Saved. Due dates and flags use the new settings at once.")
                st.rerun()

with counselors_tab:
    assigned = cohort_counselors(db, actor, cid)
    if not assigned:
        st.warning("No counselor is assigned: nobody is watching this cohort's progress.")
    for person in assigned:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.text(f"{person['first_name']} {person['last_name']} ({person['username']})"
                  + ("" if person["active"] else " — deactivated"))
        if right.button("Unassign", key=f"admin_cohorts_unassign_{cid}_{person['id']}", icon=":material/person_remove:"):
            unassign_counselor(db, actor, cid, person["id"])
            st.rerun()
    free = {f"{c['first_name']} {c['last_name']} ({c['username']})": c["id"]
            for c in counselors(db, actor) if c["id"] not in {a["id"] for a in assigned}}
    if free:
        with st.form(f"admin_cohorts_assign_{cid}"):
            pick = st.selectbox("Assign a counselor", list(free), key=f"admin_cohorts_assign_pick_{cid}")
            if st.form_submit_button("Assign", icon=":material/person_add:"):
                try:
                    assign_counselor(db, actor, cid, free[pick])
                except CohortError as exc:
                    st.error(md_escape(str(exc)))
                else:
                    st.rerun()
    else:
        st.caption("Every active counselor is assigned here. Create counselor accounts on the Accounts page.")

with archive_tab:
    if chosen["archived_at"]:
        st.info(f"Archived on {when(chosen['archived_at'])}. Its students, campaigns and history are kept.")
        if st.button("Bring the cohort back", key=f"admin_cohorts_unarchive_{cid}", icon=":material/unarchive:"):
            set_archived(db, actor, cid, False)
            st.rerun()
    else:
        st.write("Archiving hides the cohort from lists and dashboards and closes self-registration. "
                 "Nothing is deleted; you can bring it back.")
        confirm = st.checkbox("Yes, archive this cohort", key=f"admin_cohorts_confirm_{cid}")
        if st.button("Archive", key=f"admin_cohorts_archive_{cid}", disabled=not confirm, icon=":material/archive:"):
            set_archived(db, actor, cid, True)
            st.rerun()
