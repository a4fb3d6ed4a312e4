"""Research on one contact: notes on the person, the organization and the field, links, and the
questions to ask, picked from the question bank or written, in the order they will be asked."""

import streamlit as st
from pydantic import ValidationError

from core import research
from core.db import WriteConflict
from core.library import QUESTION_CATEGORIES, list_items
from core.models import PlannedQuestionCreate, ResearchUpdate, Role, field_errors
from core.research import ResearchError
from ui.campaign import FieldErrors, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require

db, actor = require(Role.STUDENT)

st.title("Research")
contact = picked_contact_or_stop(db, actor, key="student_research_contact")
cid = contact["id"]

notes_col, questions_col = st.columns(2, gap="large")
with notes_col:
    st.subheader("Notes")
    saved = research.get_research(db, actor, cid) or {}
    with st.form(f"student_research_notes_{cid}"):
        errors = FieldErrors()
        person = st.text_area("About the person", value=saved.get("about_person", ""), height=100,
                              key=f"student_research_person_{cid}", help="Their role, path, anything they published.")
        errors.slot("about_person")
        organization = st.text_area("About the organization", value=saved.get("about_organization", ""), height=100,
                                    key=f"student_research_org_{cid}", help="What it does, competitors, culture, news.")
        errors.slot("about_organization")
        field = st.text_area("About the field", value=saved.get("about_field", ""), height=100,
                             key=f"student_research_field_{cid}", help="Trends, jargon, issues people talk about.")
        errors.slot("about_field")
        links = st.text_area("Links (one per line)", value=saved.get("links", ""), height=80,
                             key=f"student_research_links_{cid}")
        errors.slot("links")
        if st.form_submit_button("Save notes", type="primary"):
            try:
                research.save_research(db, actor, cid, ResearchUpdate(
                    about_person=person, about_organization=organization, about_field=field, links=links))
            except ValidationError as exc:
                errors.show(field_errors(exc))
            except WriteConflict as exc:
                st.error(str(exc))
            else:
                st.toast("Research notes saved.", icon=":material/check:")
                st.rerun()

with questions_col:
    st.subheader("Questions to ask")
    planned = research.list_planned_questions(db, actor, cid)
    if not planned:
        st.caption("No questions yet. A 20–30 minute meeting fits five to eight.")
    ids = [q["id"] for q in planned]
    for i, q in enumerate(planned):
        text_col, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="center")
        text_col.text(f"{i + 1}. {q['text']}")
        if up.button("", key=f"student_research_up_{q['id']}", icon=":material/arrow_upward:", disabled=i == 0,
                     help="Ask earlier"):
            ids[i - 1], ids[i] = ids[i], ids[i - 1]
            research.reorder_planned_questions(db, actor, cid, ids)
            st.rerun()
        if down.button("", key=f"student_research_down_{q['id']}", icon=":material/arrow_downward:",
                       disabled=i == len(planned) - 1, help="Ask later"):
            ids[i + 1], ids[i] = ids[i], ids[i + 1]
            research.reorder_planned_questions(db, actor, cid, ids)
            st.rerun()
        if drop.button("", key=f"student_research_drop_{q['id']}", icon=":material/delete:", help="Remove"):
            research.remove_planned_question(db, actor, q["id"])
            st.rerun()

    st.markdown("**From the question bank**")
    bank = list_items(db, actor, "question")
    category = st.selectbox("Category", list(QUESTION_CATEGORIES), key="student_research_category",
                            format_func=lambda c: QUESTION_CATEGORIES[c])
    already = {q["text"].lower() for q in planned}
    offered = {b["id"]: b for b in bank if b["category"] == category and b["body"].lower() not in already}
    picked = st.multiselect("Questions", list(offered), key=f"student_research_pick_{cid}_{category}",
                            format_func=lambda i: offered[i]["body"], placeholder="Choose one or more questions")
    bank_error = st.empty()
    if st.button("Add chosen questions", key="student_research_add_bank", disabled=not picked):
        try:
            for item_id in picked:
                research.add_planned_question(db, actor, cid, PlannedQuestionCreate(
                    text=offered[item_id]["body"], category=category, library_item_id=item_id))
        except (ResearchError, WriteConflict) as exc:
            bank_error.error(str(exc))
        else:
            st.rerun()

    with st.form(f"student_research_own_{cid}", clear_on_submit=True):
        own = st.text_input("Your own question", key=f"student_research_own_text_{cid}", max_chars=500)
        own_error = st.empty()
        if st.form_submit_button("Add my question"):
            try:
                research.add_planned_question(db, actor, cid, PlannedQuestionCreate(text=own))
            except ValidationError as exc:
                own_error.error(next(iter(field_errors(exc).values())))
            except (ResearchError, WriteConflict) as exc:
                own_error.error(str(exc))
            else:
                st.rerun()

link("pages/student_outreach.py", "Next: ask for a meeting", contact_id=cid, icon=":material/send:")
comment_thread(db, actor, actor.user_id, "contact", cid, key=f"student_research_contact_{cid}")
