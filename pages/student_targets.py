"""Targets: the people a student wants to learn from. Add, edit, archive, filter, tag with one of up
to three focus occupations, and import a LinkedIn Connections.csv export."""

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core import contacts as core_contacts
from core import linkedin_import
from core.access import NotFound
from core.contacts import ContactError
from core.db import WriteConflict
from core.models import SOURCE_LABELS, STAGE_LABELS, ContactCreate, ContactUpdate, Role, Source, Stage, field_errors
from ui.campaign import FieldErrors, link
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import md_escape, stage_badge, when

db, actor = require(Role.STUDENT)
PAGE_SIZE = 20

st.title("Targets")
st.caption("People whose work you want to understand. Narrow to at most three focus occupations and tag each "
           "person with one; start with three to five people.")

# ---------------------------------------------------------------- focus occupations
occupations = core_contacts.list_focus_occupations(db, actor, actor.user_id)
occupation_names = {o["id"]: o["name"] for o in occupations}
with st.container(border=True):
    st.markdown("**Focus occupations** (up to three)")
    cols = st.columns(3)
    for i, occ in enumerate(occupations):
        with cols[i]:
            st.text(occ["name"])
            if st.button("Remove", key=f"student_targets_remove_occ_{occ['id']}", icon=":material/close:"):
                core_contacts.remove_focus_occupation(db, actor, occ["id"])
                st.rerun()
    if len(occupations) < core_contacts.MAX_FOCUS_OCCUPATIONS:
        with st.form("student_targets_occupation_form", clear_on_submit=True, border=False):
            name = st.text_input("New focus occupation", key="student_targets_occupation_name", max_chars=100,
                                 placeholder="e.g. Hospital administration")
            occupation_error = st.empty()
            if st.form_submit_button("Add occupation"):
                try:
                    core_contacts.add_focus_occupation(db, actor, name)
                except ContactError as exc:
                    occupation_error.error(str(exc))
                else:
                    st.rerun()


# ---------------------------------------------------------------- the contact form
def contact_fields(prefix: str, existing: dict | None = None) -> tuple[dict, FieldErrors]:
    """Every field of a target, prefilled from an existing contact; returns the values and error slots."""
    e = existing or {}
    errors = FieldErrors()
    a, b = st.columns(2)
    with a:
        first = st.text_input("First name", value=e.get("first_name", ""), key=f"{prefix}_first", max_chars=100)
        errors.slot("first_name")
        organization = st.text_input("Organization", value=e.get("organization", ""), key=f"{prefix}_org", max_chars=200)
        errors.slot("organization")
        field = st.text_input("Field / occupation", value=e.get("field", ""), key=f"{prefix}_field", max_chars=200)
        errors.slot("field")
        email = st.text_input("Email", value=e.get("email") or "", key=f"{prefix}_email")
        errors.slot("email")
        linkedin = st.text_input("LinkedIn address", value=e.get("linkedin_url") or "", key=f"{prefix}_linkedin")
        errors.slot("linkedin_url")
    with b:
        last = st.text_input("Last name", value=e.get("last_name", ""), key=f"{prefix}_last", max_chars=100)
        errors.slot("last_name")
        title = st.text_input("Title", value=e.get("title", ""), key=f"{prefix}_title", max_chars=200)
        errors.slot("title")
        occ_ids = [None, *occupation_names]
        occ = st.selectbox("Focus occupation", occ_ids, key=f"{prefix}_occ",
                           index=occ_ids.index(e.get("focus_occupation_id")) if e.get("focus_occupation_id") in occ_ids else 0,
                           format_func=lambda i: "—" if i is None else occupation_names[i])
        errors.slot("focus_occupation_id")
        phone = st.text_input("Phone", value=e.get("phone") or "", key=f"{prefix}_phone", max_chars=40)
        errors.slot("phone")
        other = st.text_input("Other channel", value=e.get("other_channel") or "", key=f"{prefix}_other", max_chars=200)
        errors.slot("other_channel")
    c, d, f = st.columns([2, 2, 1])
    sources = list(Source)
    current_source = Source(e["source"]) if e.get("source") else Source.OTHER
    source = c.selectbox("Where you found them", sources, index=sources.index(current_source), key=f"{prefix}_source",
                         format_func=lambda s: SOURCE_LABELS[s])
    with d:
        detail = st.text_input("Source detail", value=e.get("source_detail", ""), key=f"{prefix}_detail", max_chars=200,
                               placeholder="e.g. spring career fair, Prof. Lee")
        errors.slot("source_detail")
    priority = f.selectbox("Priority", [1, 2, 3], index=[1, 2, 3].index(e.get("priority", 2)), key=f"{prefix}_priority",
                           format_func=lambda p: {1: "1 · high", 2: "2 · medium", 3: "3 · low"}[p])
    values = dict(first_name=first, last_name=last, organization=organization, title=title, field=field,
                  focus_occupation_id=occ, source=source, source_detail=detail, email=email, phone=phone,
                  linkedin_url=linkedin, other_channel=other, priority=priority,
                  connected_on=e.get("connected_on"))
    return values, errors


def save(values: dict, errors: FieldErrors, contact_id: int | None = None) -> bool:
    """Validate and save; messages go next to their fields and nothing is written on error."""
    try:
        if contact_id is None:
            core_contacts.create_contact(db, actor, ContactCreate(**values))
        else:
            core_contacts.update_contact(db, actor, contact_id, ContactUpdate(**values))
    except ValidationError as exc:
        errors.show(field_errors(exc))
    except ContactError as exc:
        errors.show({"focus_occupation_id": str(exc)})
    except (NotFound, WriteConflict) as exc:
        st.error(str(exc))
    else:
        return True
    return False


list_tab, add_tab, import_tab = st.tabs(["Your targets", "Add a target", "Import from LinkedIn"])

with add_tab:
    with st.form("student_targets_add_form", clear_on_submit=False):
        values, errors = contact_fields("student_targets_add")
        if st.form_submit_button("Add target", type="primary"):
            if save(values, errors):
                for k in [k for k in st.session_state if str(k).startswith("student_targets_add_")]:
                    del st.session_state[k]
                st.session_state["student_targets_flash"] = f"Added {values['first_name']} {values['last_name']}".strip()
                st.rerun()
    if flash := st.session_state.pop("student_targets_flash", None):
        st.success(md_escape(flash) + ". Research them next.", icon=":material/check:")

# ---------------------------------------------------------------- the list
with list_tab:
    f1, f2, f3, f4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    stage = f1.selectbox("Stage", [None, *Stage], key="student_targets_filter_stage",
                         format_func=lambda s: "Any stage" if s is None else STAGE_LABELS[s])
    occ_filter = f2.selectbox("Focus occupation", [None, *occupation_names], key="student_targets_filter_occ",
                              format_func=lambda i: "Any occupation" if i is None else occupation_names[i])
    source_filter = f3.selectbox("Source", [None, *Source], key="student_targets_filter_source",
                                 format_func=lambda s: "Any source" if s is None else SOURCE_LABELS[s])
    archived = f4.toggle("Archived", key="student_targets_filter_archived")
    found = core_contacts.list_contacts(db, actor, stage=stage, focus_occupation_id=occ_filter, source=source_filter,
                                        archived_only=archived)
    if not found:
        st.info("No targets match." if (stage or occ_filter or source_filter or archived)
                else "No targets yet: add three to five people on the next tab, or import your LinkedIn connections.")
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page_no = 1
    if pages > 1:
        page_no = st.number_input(f"Page (of {pages}, {len(found)} targets)", 1, pages, 1, key="student_targets_page")
    for contact in found[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE]:
        with st.container(border=True):
            head, badge = st.columns([5, 1])
            name = f"{contact['first_name']} {contact['last_name']}".strip()
            head.markdown(f"**{md_escape(name)}**" + (f" · {md_escape(contact['title'])}" if contact["title"] else "")
                          + (f" · {md_escape(contact['organization'])}" if contact["organization"] else ""))
            bits = [SOURCE_LABELS.get(Source(contact["source"]), contact["source"]), f"priority {contact['priority']}"]
            if contact["focus_occupation"]:
                bits.insert(0, contact["focus_occupation"])
            head.caption(" · ".join(md_escape(b) for b in bits))
            with badge:
                stage_badge(contact["stage"])
                st.caption(f"since {when(contact['stage_at'])}")
            with st.expander("Edit, archive, comments"):
                with st.form(f"student_targets_edit_{contact['id']}"):
                    values, errors = contact_fields(f"student_targets_edit_{contact['id']}", contact)
                    if st.form_submit_button("Save changes"):
                        if save(values, errors, contact["id"]):
                            st.rerun()
                l1, l2 = st.columns(2)
                with l1:
                    link("pages/student_research.py", "Research this person", contact_id=contact["id"],
                         icon=":material/menu_book:")
                with l2:
                    label = "Restore" if contact["archived_at"] else "Archive"
                    if st.button(label, key=f"student_targets_archive_{contact['id']}"):
                        core_contacts.set_archived(db, actor, contact["id"], not contact["archived_at"])
                        st.rerun()
                comment_thread(db, actor, actor.user_id, "contact", contact["id"],
                               key=f"student_targets_contact_{contact['id']}")

# ---------------------------------------------------------------- LinkedIn import
with import_tab:
    st.markdown("On LinkedIn: **Settings → Data privacy → Get a copy of your data → Connections**. "
                "Upload the `Connections.csv` file from the download.")
    upload = st.file_uploader("LinkedIn Connections.csv", type=["csv"], key="student_targets_linkedin_file")
    if upload is not None:
        try:
            parsed = linkedin_import.parse_connections(upload.getvalue())
        except linkedin_import.ImportProblem as exc:
            st.error(str(exc))
        else:
            fresh, skipped = linkedin_import.preview(db, actor, parsed)
            st.markdown(f"**Preview:** {len(fresh)} new, {len(skipped)} to skip.")
            if fresh:
                st.dataframe(pd.DataFrame([{
                    "Name": c.full_name, "Company": c.organization, "Position": c.title, "Email": c.email or "",
                    "Connected on": c.connected_on,
                } for c in fresh[:500]]), hide_index=True, width="stretch", height=240)
                if len(fresh) > 500:
                    st.caption(f"Showing the first 500 of {len(fresh)}.")
            if skipped:
                with st.expander(f"Skipped ({len(skipped)})"):
                    st.dataframe(pd.DataFrame(skipped, columns=["Who", "Why"]), hide_index=True, width="stretch")
            occ = st.selectbox("Tag the imported people with", [None, *occupation_names],
                               key="student_targets_linkedin_occ",
                               format_func=lambda i: "no focus occupation" if i is None else occupation_names[i])
            if fresh and st.button(f"Import {len(fresh)} people", type="primary", key="student_targets_linkedin_go"):
                bar = st.progress(0.0, text="Importing…")
                try:
                    result = linkedin_import.import_connections(
                        db, actor, parsed, focus_occupation_id=occ,
                        progress=lambda f: bar.progress(f, text=f"Importing… {int(f * 100)}%"))
                except (linkedin_import.ImportProblem, WriteConflict) as exc:
                    bar.empty()
                    st.error(str(exc))
                else:
                    bar.progress(1.0, text="Done")
                    st.success(f"Imported {result.imported}; skipped {len(result.skipped)}.")
