"""Reflection after each meeting: the library's prompts, a fit rating, and a private toggle
(a private reflection is never shown to counselors nor exported)."""

import streamlit as st

from core.admin.library import reflection_prompts
from core.campaign import reflections
from core.campaign.meetings import list_student_meetings
from core.models import ReflectionCreate, Role
from ui import forms
from ui.campaign import CONTACT_PARAM, FieldErrors, link, requested_id
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import when

db, actor = require(Role.STUDENT)
FIT_WORDS = {1: "1 · not for me", 2: "2 · doubtful", 3: "3 · maybe", 4: "4 · promising", 5: "5 · a strong fit"}
FIELDS = [("feelings", "How do you feel about what you learned?"),
          ("see_myself", "Can you picture yourself in that setting?"),
          ("view_changed", "What changed in your view of the field?"),
          ("still_need", "What do you still need to find out, and who could help?")]

st.title("Reflection", anchor=False)
held = list_student_meetings(db, actor, status="held")
if not held:
    st.info("Reflect after a meeting has been held and logged.")
    link("pages/student_meetings.py", "Go to Meetings", icon=":material/event:")
    st.stop()

by_id = {m["id"]: m for m in held}
# A link from another page names a contact: open that contact's latest meeting (only among this student's own).
wanted = requested_id(what="contact") if st.query_params.get(CONTACT_PARAM) else None
if wanted is not None and "student_reflection_meeting" not in st.session_state:
    match = [m["id"] for m in held if m["contact_id"] == wanted]
    if match:
        st.session_state["student_reflection_meeting"] = match[0]
meeting_id = st.selectbox(
    "Meeting", list(by_id), key="student_reflection_meeting",
    format_func=lambda i: f"{by_id[i]['contact_name']} · {when(by_id[i]['held_at'])}"
                          + ("" if by_id[i]["reflected"] else " · not yet reflected"))
meeting = by_id[meeting_id]
saved = reflections.get_reflection(db, actor, meeting_id) or {}
prompts = reflection_prompts(db, actor)

name = f"student_reflection_{meeting_id}"
opened = forms.opened_version(name, saved.get("version"))
with st.form(f"student_reflection_form_{meeting_id}"):
    errors = FieldErrors()
    answers = {}
    for field, fallback in FIELDS:
        answers[field] = st.text_area(prompts.get(field, fallback), value=saved.get(field, ""), height=90,
                                      key=f"student_reflection_{field}_{meeting_id}")
        errors.slot(field, prompts.get(field, fallback))
    fit = st.select_slider("How well does this path fit you?", options=list(FIT_WORDS),
                           value=saved.get("fit_rating") or 3, format_func=lambda v: FIT_WORDS[v],
                           key=f"student_reflection_fit_{meeting_id}")
    private = st.toggle("Keep this reflection private (your counselor will not see it)",
                        value=bool(saved.get("is_private", False)), key=f"student_reflection_private_{meeting_id}")
    errors.slot("form")
    clicked = st.form_submit_button("Save reflection", type="primary")
message = st.empty()
if clicked:
    key = forms.form_key(name)
    result = forms.submit(lambda: reflections.save_reflection(
        db, actor, meeting_id, ReflectionCreate(**answers, fit_rating=fit, is_private=private),
        expected_version=opened, idempotency_key=key),
        name=name, errors=errors, where=message, labels=dict(FIELDS) | {"fit_rating": "Fit", "is_private": "Private"})
    if result.ok:
        st.session_state["student_reflection_flash"] = "Reflection saved."
        st.rerun()

if flash := st.session_state.pop("student_reflection_flash", None):
    st.success(flash, icon=":material/check:")
if saved:
    st.caption(("Private: only you can read it. " if saved["is_private"] else "Your counselor can read it. ")
               + f"Last saved {when(saved['updated_at'])}.")
    comment_thread(db, actor, actor.user_id, "reflection", saved["id"], key=f"student_reflection_{saved['id']}")
link("pages/student_keep_in_touch.py", "Next: keep in touch", contact_id=meeting["contact_id"],
     icon=":material/handshake:")
