"""Content library: edit, add, retire and restore questions, templates, reflection prompts and contact sources."""

import streamlit as st
from pydantic import ValidationError

from core.admin.library import (
    KINDS,
    TEMPLATE_CHANNELS,
    LibraryItemInput,
    add_item,
    categories,
    edit_item,
    list_items,
    set_retired,
    usage,
)
from core.models import Role, field_errors
from ui import forms
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)

st.title("Content library", anchor=False)
st.write("What students pick from while they prepare: the question bank, message templates, reflection prompts "
         "and where to find contacts. Changes show to students at once. Retired entries disappear from the "
         "pickers but stay attached, word for word, to everything that already used them.")
if flash := st.session_state.pop("admin_library_flash", None):
    st.success(flash)
if (retired_id := st.session_state.get("admin_library_undo")) is not None:
    note, undo = st.columns([4, 1], vertical_alignment="center")
    note.success("Retired. It no longer appears in students' pickers.", icon=":material/archive:")
    if undo.button("Undo", key="admin_library_undo_button", icon=":material/undo:"):
        if forms.submit(lambda: set_retired(db, actor, retired_id, False)).ok:
            st.session_state.pop("admin_library_undo", None)
            st.session_state["admin_library_flash"] = "Retiring undone: students can pick it again."
            st.rerun()

kind = st.segmented_control("Section", list(KINDS), format_func=KINDS.get, default="question",
                            key="admin_library_kind") or "question"
labels = categories(kind)
show_retired = st.toggle("Show retired entries", key="admin_library_show_retired")
items = list_items(db, actor, kind, include_retired=show_retired)
st.dataframe(
    [{"Category": labels.get(i["category"], i["category"]), "Title": i["title"], "Text": i["body"],
      "Edited here": "yes" if i["edited_by"] else "", "Retired": when(i["retired_at"]) if i["retired_at"] else ""}
     for i in items],
    hide_index=True, width="stretch",
    column_order=["Category", "Title", "Text", "Edited here", "Retired"] if kind == "template"
    else ["Category", "Text", "Edited here", "Retired"],
    column_config={"Text": st.column_config.TextColumn(width="large")},
)


def _entry_fields(prefix: str, item: dict | None) -> LibraryItemInput | None:
    """Draw the fields of an entry; returns the validated input on submit (None otherwise)."""
    item = item or {}
    keys = list(labels)
    category = st.selectbox("Category", keys, format_func=labels.get, key=f"{prefix}_category",
                            index=keys.index(item["category"]) if item.get("category") in keys else 0,
                            disabled=kind == "reflection_prompt" and bool(item))
    title = subject = channel = ""
    if kind == "template":
        left, right = st.columns([3, 1])
        title = left.text_input("Title", value=item.get("title", ""), key=f"{prefix}_title")
        channel = right.selectbox("Channel", TEMPLATE_CHANNELS, key=f"{prefix}_channel",
                                  index=(TEMPLATE_CHANNELS.index(item["channel"])
                                         if item.get("channel") in TEMPLATE_CHANNELS else 0))
        subject = st.text_input("Subject (email)", value=item.get("subject", ""), key=f"{prefix}_subject")
    body = st.text_area("Text", value=item.get("body", ""), height=220 if kind == "template" else 100,
                        key=f"{prefix}_body",
                        help="Templates may use merge fields such as {contact_first_name}, {organization}, "
                             "{field}, {student_name}, {connection}." if kind == "template" else None)
    if not st.form_submit_button("Save", type="primary"):
        return None
    try:
        return LibraryItemInput(kind=kind, category=category, title=title, subject=subject, channel=channel, body=body)
    except ValidationError as exc:
        for message in field_errors(exc).values():
            st.error(md_escape(message.replace("Form: ", "")))
        return None


edit_tab, add_tab = st.tabs(["Edit or retire an entry", "Add an entry"])
with edit_tab:
    if not items:
        st.info("No entries in this section.")
    else:
        def _label(i: dict) -> str:
            text = i["title"] or i["body"]
            short = text if len(text) <= 90 else text[:87] + "…"
            return f"{labels.get(i['category'], i['category'])}: {short}" + (" (retired)" if i["retired_at"] else "")

        by_id = {i["id"]: i for i in items}
        chosen = by_id[st.selectbox("Entry", list(by_id), format_func=lambda i: _label(by_id[i]),
                                    key=f"admin_library_pick_{kind}")]
        edit_name = f"admin_library_edit_{chosen['id']}"
        opened = forms.opened_version(edit_name, chosen["version"])
        with st.form(f"admin_library_edit_{chosen['id']}"):
            data = _entry_fields(f"admin_library_edit_{chosen['id']}", chosen)
        if data is not None:
            result = forms.submit(lambda: edit_item(db, actor, chosen["id"], data, expected_version=opened),
                                  name=edit_name, labels={"body": "Text"})
            if result.ok:
                st.session_state["admin_library_flash"] = "Saved. Students see the new wording now."
                st.rerun()
        used = usage(db, actor, chosen["id"])
        if chosen["retired_at"]:
            if st.button("Restore", key=f"admin_library_restore_{chosen['id']}", icon=":material/restore:"):
                if forms.submit(lambda: set_retired(db, actor, chosen["id"], False)).ok:
                    st.session_state.pop("admin_library_undo", None)
                    st.rerun()
        else:
            st.caption(f"Used {used} time(s) in students' plans and drafts; those keep their copy if you retire it.")
            if st.button("Retire", key=f"admin_library_retire_{chosen['id']}", icon=":material/archive:"):
                if forms.submit(lambda: set_retired(db, actor, chosen["id"], True,
                                                    expected_version=chosen["version"])).ok:
                    st.session_state["admin_library_undo"] = chosen["id"]
                    st.rerun()

with add_tab:
    if kind == "reflection_prompt":
        st.info("There is one prompt per reflection question; edit the existing prompt instead.")
    else:
        with st.form(f"admin_library_add_{kind}", clear_on_submit=True):
            data = _entry_fields(f"admin_library_add_{kind}", None)
        if data is not None:
            if forms.submit(lambda: add_item(db, actor, data)).ok:
                st.session_state["admin_library_flash"] = "Added. Students can pick it now."
                st.rerun()
