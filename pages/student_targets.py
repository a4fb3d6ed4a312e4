"""Targets: the people a student wants to learn from. A searchable, sortable table of them with the
edit form for the one selected; add (once per click, duplicates caught), archive with Undo, up to
three focus occupations (removing one asks first), and a LinkedIn Connections.csv import."""

import pandas as pd
import streamlit as st

from core.campaign import contacts as core_contacts
from core.campaign import linkedin_import
from core.errors import DuplicateRecord, ImportProblem, NotFound, WriteConflict
from core.models import SOURCE_LABELS, STAGE_LABELS, ContactCreate, ContactUpdate, Role, Source, Stage, stage_label
from core.network import volunteers
from ui import forms
from ui.campaign import CONTACT_PARAM, FieldErrors, choose_contact, follow_address, link, requested_id
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import md_escape, stage_badge, table_times, when

db, actor = require(Role.STUDENT)

SELECTED = "student_targets_selected"
ADD_ROUND = "student_targets_add_round"
DUPLICATE = "student_targets_duplicate"
UNDO = "student_targets_undo"
CONFIRM_OCC = "student_targets_confirm_occ"
TABLE_ROUND = "student_targets_table_round"
LAST_ADDED = "student_targets_last_added"

st.title("Targets", anchor=False)
st.caption("People whose work you want to understand. Narrow to at most three focus occupations and tag each "
           "person with one; start with three to five people.")

# A link such as "?contact=12" opens that contact's form, once: closing it later stays closed.
if ((raw_contact := st.query_params.get(CONTACT_PARAM))
        and st.session_state.get("student_targets_from_url") != raw_contact):
    st.session_state["student_targets_from_url"] = raw_contact
    if (wanted := requested_id(what="contact")) is not None:
        st.session_state[SELECTED] = wanted
        follow_address()  # the person a link names is the one the other campaign pages open on

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
                st.session_state[CONFIRM_OCC] = occ["id"]
    pending = st.session_state.get(CONFIRM_OCC)
    if pending in occupation_names:
        st.warning(f"Remove the focus occupation {md_escape(occupation_names[pending])}? The people tagged with it "
                   "stay in your list and lose the tag.", icon=":material/help:")
        yes, no = st.columns(2)
        if yes.button("Remove it", key="student_targets_confirm_remove_occ", type="primary"):
            st.session_state.pop(CONFIRM_OCC, None)
            if forms.submit(lambda: core_contacts.remove_focus_occupation(db, actor, pending)).ok:
                st.rerun()
        if no.button("Keep it", key="student_targets_keep_occ"):
            st.session_state.pop(CONFIRM_OCC, None)
            st.rerun()
    if len(occupations) < core_contacts.MAX_FOCUS_OCCUPATIONS:
        with st.form("student_targets_occupation_form", clear_on_submit=True, border=False):
            name = st.text_input("New focus occupation", key="student_targets_occupation_name", max_chars=100,
                                 placeholder="e.g. Hospital administration")
            occupation_error = st.empty()
            if st.form_submit_button("Add occupation"):
                if forms.submit(lambda: core_contacts.add_focus_occupation(db, actor, name), where=occupation_error).ok:
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
        organization = st.text_input("Organization", value=e.get("organization", ""), key=f"{prefix}_org",
                                     max_chars=200)
        errors.slot("organization")
        field = st.text_input("Field / occupation", value=e.get("field", ""), key=f"{prefix}_field", max_chars=200)
        errors.slot("field", "Field / occupation")
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
                           index=(occ_ids.index(e.get("focus_occupation_id"))
                                  if e.get("focus_occupation_id") in occ_ids else 0),
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


def select(contact_id: int | None) -> None:
    """Show this contact's edit form (a fresh table key clears the row highlighted before)."""
    st.session_state[SELECTED] = contact_id
    st.session_state[TABLE_ROUND] = st.session_state.get(TABLE_ROUND, 0) + 1
    if contact_id is not None:
        choose_contact(contact_id)


def added(contact, add_round: int) -> None:
    """After a save: a new, empty form (new widget keys) and the confirmation."""
    st.session_state[ADD_ROUND] = add_round + 1
    st.session_state.pop(DUPLICATE, None)
    st.session_state[LAST_ADDED] = {"round": add_round + 1, "message": f"Added {contact.full_name}",
                                    "notice": volunteers.demand_for_contact(db, actor, contact.id).notice()}


def blank(values: dict) -> bool:
    """Nothing typed: every text field of the add form is empty."""
    return not any(v.strip() for v in values.values() if type(v) is str)  # choices (enums) are not typed


list_tab, add_tab, import_tab = st.tabs(["Your targets", "Add a target", "Import from LinkedIn"])

# ---------------------------------------------------------------- add
with add_tab:
    # Each round of the form has its own widgets and idempotency key: after a save the form is
    # empty, and a second click on the same render creates nothing (it finds the first record).
    add_round = st.session_state.setdefault(ADD_ROUND, 0)
    form_name = f"student_targets_add_{add_round}"
    with st.form(f"student_targets_add_form_{add_round}"):
        values, errors = contact_fields(form_name)
        submitted = st.form_submit_button("Add target", type="primary")
    add_message = st.empty()
    last = st.session_state.get(LAST_ADDED)
    if submitted and blank(values) and last and last["round"] == add_round:
        # The second click of a double click lands on the form the first one emptied: the
        # confirmation below stays, rather than a request for a first name.
        pass
    elif submitted:
        key = forms.form_key(form_name)
        result = forms.submit(lambda: core_contacts.create_contact(
            db, actor, ContactCreate(**values), idempotency_key=key), name=form_name, errors=errors, where=add_message)
        if result.ok:
            added(result.value, add_round)
            st.rerun()
        elif isinstance(result.error, DuplicateRecord):
            st.session_state[DUPLICATE] = {"round": add_round, "existing_id": result.error.existing_id,
                                           "message": str(result.error)}
    duplicate = st.session_state.get(DUPLICATE)
    if duplicate and duplicate["round"] == add_round:
        if not submitted:
            add_message.warning(duplicate["message"], icon=":material/content_copy:")
        try:
            same = core_contacts.get_contact(db, actor, duplicate["existing_id"])
            st.caption("Already in your list: " + md_escape(
                " · ".join(p for p in (same.full_name, same.title, same.organization) if p)))
        except NotFound:
            pass
        open_col, anyway_col = st.columns(2)
        if open_col.button("Open the existing one", key="student_targets_open_existing", icon=":material/person:"):
            st.session_state.pop(DUPLICATE, None)
            select(duplicate["existing_id"])
            st.rerun()
        if anyway_col.button("Add anyway: this is someone else", key="student_targets_add_anyway"):
            key = forms.form_key(form_name)
            result = forms.submit(lambda: core_contacts.create_contact(
                db, actor, ContactCreate(**values), idempotency_key=key, allow_duplicate=True),
                name=form_name, errors=errors, where=add_message)
            if result.ok:
                added(result.value, add_round)
                st.rerun()
    # The last confirmation stays with the emptied form it produced (every rerun of it, such as a
    # second click of a double click), and gives way to the next add.
    if last and last["round"] == add_round:
        st.success(md_escape(last["message"]) + ". Research them next.", icon=":material/check:")
        if last.get("notice"):  # how many classmates asked this person this term, never who
            st.warning(last["notice"], icon=":material/groups:")

# ---------------------------------------------------------------- the table
STAGE_HELP = "How far you are with this person: " + ", then ".join(STAGE_LABELS.values()).lower() + "."
with list_tab:
    if undo := st.session_state.get(UNDO):
        u1, u2 = st.columns([4, 1], vertical_alignment="center")
        u1.info(f"Archived {md_escape(undo['name'])}. Archived people leave your lists and to-dos.",
                icon=":material/archive:")
        if u2.button("Undo", key="student_targets_undo_archive", icon=":material/undo:"):
            st.session_state.pop(UNDO, None)
            if forms.submit(lambda: core_contacts.set_archived(db, actor, undo["contact_id"], False)).ok:
                st.rerun()
    s1, f1, f2, f3, f4 = st.columns([3, 2, 2, 2, 1], vertical_alignment="bottom")
    search = s1.text_input("Search your targets", key="student_targets_search", max_chars=200,
                           placeholder="Name, organization, title or email")
    stage = f1.selectbox("Stage", [None, *Stage], key="student_targets_filter_stage",
                         format_func=lambda s: "Any stage" if s is None else STAGE_LABELS[s])
    occ_filter = f2.selectbox("Focus occupation", [None, *occupation_names], key="student_targets_filter_occ",
                              format_func=lambda i: "Any occupation" if i is None else occupation_names[i])
    source_filter = f3.selectbox("Source", [None, *Source], key="student_targets_filter_source",
                                 format_func=lambda s: "Any source" if s is None else SOURCE_LABELS[s])
    archived = f4.toggle("Archived", key="student_targets_filter_archived")
    found = core_contacts.target_table(db, actor, search=search, stage=stage, focus_occupation_id=occ_filter,
                                       source=source_filter, archived_only=archived)
    filtered = bool(search.strip() or stage or occ_filter or source_filter or archived)
    if not found:
        st.info("No targets match." if filtered
                else "No targets yet: add three to five people on the next tab, or import your LinkedIn connections.")
    else:
        ids = [c["id"] for c in found]
        # User text goes into the table as data: the grid draws it as plain text, never as a link. The person
        # and their stage come first, so a phone (390 px) shows both without scrolling sideways.
        table = pd.DataFrame({
            "Name": [f"{c['first_name']} {c['last_name']}".strip() for c in found],
            "Stage": [stage_label(c["stage"], c.get("outreach_reply")) for c in found],
            "Organization": [c["organization"] for c in found],
            "Focus": [c["focus_occupation"] or "" for c in found],
            "Priority": [c["priority"] for c in found],
            "Last activity": table_times(c["last_activity"] for c in found),
            "Referred by": [c["referred_by"] or "" for c in found],
        })
        selected = st.session_state.get(SELECTED)
        # Row positions mean other people once the filters change: a new key starts a fresh selection.
        filters = hash((search, stage, occ_filter, source_filter, archived)) & 0xFFFF
        table_key = f"student_targets_table_{st.session_state.get(TABLE_ROUND, 0)}_{filters}"
        default = {"selection": {"rows": [ids.index(selected)]}} if selected in ids else None

        def picked(table_key: str = table_key, ids: list = ids) -> None:
            rows = st.session_state[table_key].selection.rows
            st.session_state[SELECTED] = ids[rows[0]] if rows else None
            if rows:  # the person chosen here is the one Research, Outreach and the rest open on
                choose_contact(ids[rows[0]])

        st.caption(f"{len(found)} target(s). Click a column to sort; choose a row to edit it.")
        st.dataframe(table, key=table_key, on_select=picked, selection_mode="single-row", selection_default=default,
                     hide_index=True, width="stretch", height=min(420, 38 + 35 * len(found)),
                     column_config={"Stage": st.column_config.TextColumn(help=STAGE_HELP),
                                    "Last activity": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                                    "Priority": st.column_config.NumberColumn(width="small")})

# ---------------------------------------------------------------- the selected contact
selected = st.session_state.get(SELECTED)
contact = None
if selected is not None:
    try:
        contact = core_contacts.get_contact(db, actor, selected).model_dump()
    except NotFound:
        st.session_state.pop(SELECTED, None)
        st.warning("That contact is not in your list.")
if contact is not None:
    cid = contact["id"]
    edit_name = f"student_targets_edit_{cid}"
    opened = forms.opened_version(edit_name, contact["version"])
    originals = st.session_state.setdefault(f"{edit_name}_original",
                                            {k: contact[k] for k in ContactUpdate.model_fields})
    with st.container(border=True, key="student_targets_selected_panel"):
        head, badge = st.columns([5, 1])
        head.subheader(md_escape(f"{contact['first_name']} {contact['last_name']}".strip()), anchor=False)
        head.text(" · ".join(p for p in (contact["title"], contact["organization"]) if p))
        with badge:
            stage_badge(contact["stage"], contact.get("outreach_reply"))
            st.caption(f"since {when(contact['stage_at'])}")
        if contact["archived_at"]:
            st.caption(f"Archived on {when(contact['archived_at'])}.")
        elif notice := volunteers.demand_for_contact(db, actor, cid).notice():
            st.warning(notice, icon=":material/groups:")
        with st.form(f"{edit_name}_form"):
            values, errors = contact_fields(edit_name, contact)
            save_clicked = st.form_submit_button("Save changes")
        edit_message = st.empty()
        if save_clicked:
            def save_edit():
                """Write only the fields the person changed since the form opened."""
                data = ContactUpdate(**values)
                try:
                    before = ContactUpdate.model_validate(originals)
                    changed = [k for k in ContactUpdate.model_fields if getattr(data, k) != getattr(before, k)]
                except ValueError:
                    changed = None
                return core_contacts.update_contact(db, actor, cid, data, expected_version=opened,
                                                    original=originals, only=changed)

            result = forms.submit(save_edit,
                name=edit_name, errors=errors, where=edit_message,
                labels={"first_name": "First name", "last_name": "Last name", "linkedin_url": "LinkedIn address",
                        "focus_occupation_id": "Focus occupation", "other_channel": "Other channel"})
            if result.ok:
                st.session_state.pop(f"{edit_name}_original", None)
                st.toast("Changes saved.", icon=":material/check:")
                st.rerun()
        l1, l2, l3 = st.columns(3)
        with l1:
            link("pages/student_research.py", "Research this person", contact_id=cid, icon=":material/menu_book:")
        with l2:
            if contact["archived_at"]:
                if st.button("Restore", key=f"student_targets_restore_{cid}", icon=":material/unarchive:"):
                    if forms.submit(lambda: core_contacts.set_archived(db, actor, cid, False)).ok:
                        st.rerun()
            elif st.button("Archive", key=f"student_targets_archive_{cid}", icon=":material/archive:"):
                if forms.submit(lambda: core_contacts.set_archived(db, actor, cid, True)).ok:
                    st.session_state[UNDO] = {"contact_id": cid,
                                              "name": f"{contact['first_name']} {contact['last_name']}".strip()}
                    select(None)
                    st.rerun()
        with l3:
            if st.button("Close", key="student_targets_close", icon=":material/close:"):
                select(None)
                st.rerun()
        comment_thread(db, actor, actor.user_id, "contact", cid, key=f"student_targets_contact_{cid}")

# ---------------------------------------------------------------- LinkedIn import
with import_tab:
    st.markdown("On LinkedIn: **Settings → Data privacy → Get a copy of your data → Connections**. "
                "Upload the `Connections.csv` file from the download.")
    upload = st.file_uploader("LinkedIn Connections.csv", type=["csv"], key="student_targets_linkedin_file")
    if upload is not None:
        try:
            parsed = linkedin_import.parse_connections(upload.getvalue())
        except ImportProblem as exc:
            st.error(md_escape(str(exc)))
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
            if parsed.undated:
                lines = ", ".join(str(line) for line, _ in parsed.undated[:10])
                more = f" and {len(parsed.undated) - 10} more" if len(parsed.undated) > 10 else ""
                st.warning(f"The connection date on line(s) {lines}{more} could not be read as a date: those "
                           "people are imported without one.", icon=":material/event_busy:")
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
                except (ImportProblem, WriteConflict) as exc:
                    bar.empty()
                    st.error(md_escape(str(exc)))
                else:
                    bar.progress(1.0, text="Done")
                    st.success(f"Imported {result.imported}; skipped {len(result.skipped)}.")
