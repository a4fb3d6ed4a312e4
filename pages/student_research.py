"""Research on one contact: notes on the person, the organization and the field, links, and the
questions to ask, picked from the question bank or written, in the order they will be asked.

Notes and question wording are versioned: a save from a tab opened before another save is refused
with what changed, the person's text stays in the boxes, and only the boxes they changed are
written, so nothing someone else saved is blanked. Questions are added once per click and a
removed one can be brought back with Undo.
"""

import streamlit as st

from core.admin.library import QUESTION_CATEGORIES, list_items
from core.campaign import research
from core.campaign.research import RESEARCH_FIELDS
from core.models import PlannedQuestionCreate, ResearchUpdate, Role
from ui import forms
from ui.campaign import FieldErrors, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import md_escape, short

db, actor = require(Role.STUDENT)

LABELS = {"about_person": "About the person", "about_organization": "About the organization",
          "about_field": "About the field", "links": "Links (one per line)"}
HELP = {"about_person": "Their role, path, anything they published.",
        "about_organization": "What it does, competitors, culture, news.",
        "about_field": "Trends, jargon, issues people talk about.", "links": None}
KEYS = {"about_person": "person", "about_organization": "org", "about_field": "field", "links": "links"}
REMOVED = "student_research_removed"

st.title("Research", anchor=False)
contact = picked_contact_or_stop(db, actor, key="student_research_contact")
cid = contact["id"]


def next_round(name: str) -> int:
    """The current round of a create form; widgets and keys change with it, so a repeated click is a no-op."""
    return st.session_state.setdefault(f"{name}_round", 0)


def finish_round(name: str) -> None:
    """After a successful create: the next render draws a new, empty form."""
    st.session_state[f"{name}_round"] = st.session_state.get(f"{name}_round", 0) + 1


notes_col, questions_col = st.columns(2, gap="large")
with notes_col:
    st.subheader("Notes", anchor=False)
    saved = research.get_research(db, actor, cid) or {}
    notes_name = f"student_research_notes_{cid}"
    opened = forms.opened_version(notes_name, saved.get("version"))
    # The boxes start from the text as it was when the form was opened and keep the person's typing
    # across reruns, including after a refused save.
    original_key = f"{notes_name}_original"
    originals = st.session_state.setdefault(original_key, {f: saved.get(f, "") for f in RESEARCH_FIELDS})
    with st.form(f"{notes_name}_form"):
        errors = FieldErrors()
        typed = {}
        for f in RESEARCH_FIELDS:
            typed[f] = st.text_area(LABELS[f], value=originals[f], height=80 if f == "links" else 100,
                                    key=f"student_research_{KEYS[f]}_{cid}", help=HELP[f])
            errors.slot(f)
        save_clicked = st.form_submit_button("Save notes", type="primary")
    notes_message = st.empty()
    if save_clicked:
        changed = [f for f in RESEARCH_FIELDS if typed[f] != originals[f]]
        result = forms.submit(lambda: research.save_research(
            db, actor, cid, ResearchUpdate(**typed), expected_version=opened, original=originals, only=changed),
            name=notes_name, errors=errors, where=notes_message, labels=LABELS)
        if result.ok:
            st.session_state.pop(original_key, None)
            st.toast("Research notes saved.", icon=":material/check:")
            st.rerun()

with questions_col:
    st.subheader("Questions to ask", anchor=False)
    if removed := st.session_state.get(REMOVED):
        if removed["contact_id"] == cid:
            r1, r2 = st.columns([4, 1], vertical_alignment="center")
            r1.info("Removed a question from the plan.", icon=":material/delete:")
            if r2.button("Undo", key="student_research_undo_remove", icon=":material/undo:"):
                st.session_state.pop(REMOVED, None)
                if forms.submit(lambda: research.restore_planned_question(db, actor, removed)).ok:
                    st.rerun()
    planned = research.list_planned_questions(db, actor, cid)
    if not planned:
        st.caption("No questions yet. A 20–30 minute meeting fits five to eight.")
    ids = [q["id"] for q in planned]
    for i, q in enumerate(planned):
        # Each control names the question it acts on ("Move “What is a typical day?” up"): read aloud
        # or seen on its own, it says what it does. They sit in one box per question, opened by name.
        said = f"\u201c{md_escape(short(q['text']))}\u201d"
        text_col, change_col = st.columns([4, 1], vertical_alignment="center")
        text_col.text(f"{i + 1}. {q['text']}")
        with change_col.popover(f"Change question {i + 1}", width="stretch"):
            if i > 0 and st.button(f"Move {said} up", key=f"student_research_up_{q['id']}", width="stretch"):
                ids[i - 1], ids[i] = ids[i], ids[i - 1]
                if forms.submit(lambda: research.reorder_planned_questions(db, actor, cid, ids)).ok:
                    st.rerun()
            if i < len(planned) - 1 and st.button(f"Move {said} down", key=f"student_research_down_{q['id']}",
                                                  width="stretch"):
                ids[i + 1], ids[i] = ids[i], ids[i + 1]
                if forms.submit(lambda: research.reorder_planned_questions(db, actor, cid, ids)).ok:
                    st.rerun()
            question_name = f"student_research_question_{q['id']}"
            question_version = forms.opened_version(question_name, q["version"])
            question_text = st.session_state.setdefault(f"{question_name}_original", q["text"])
            with st.form(f"{question_name}_form", border=False):
                wording = st.text_area(f"Wording of question {i + 1}", value=question_text,
                                       key=f"{question_name}_text", max_chars=500)
                edit_clicked = st.form_submit_button(f"Save the wording of question {i + 1}")
            edit_message = st.empty()
            if edit_clicked:
                done = forms.submit(lambda: research.edit_planned_question(
                    db, actor, q["id"], PlannedQuestionCreate(text=wording), expected_version=question_version),
                    name=question_name, where=edit_message, labels={"text": f"Wording of question {i + 1}"})
                if done.ok:
                    st.session_state.pop(f"{question_name}_original", None)
                    st.rerun()
            if st.button(f"Remove {said}", key=f"student_research_drop_{q['id']}", width="stretch"):
                result = forms.submit(lambda: research.remove_planned_question(db, actor, q["id"]))
                if result.ok:
                    st.session_state[REMOVED] = result.value
                    st.rerun()

    st.markdown("**From the question bank**")
    bank = list_items(db, actor, "question")
    category = st.selectbox("Category", list(QUESTION_CATEGORIES), key="student_research_category",
                            format_func=lambda c: QUESTION_CATEGORIES[c])
    already = {q["text"].lower() for q in planned}
    offered = {b["id"]: b for b in bank if b["category"] == category and b["body"].lower() not in already}
    bank_name = f"student_research_bank_{cid}"
    bank_round = next_round(bank_name)
    picked = st.multiselect("Questions", list(offered), key=f"student_research_pick_{cid}_{category}_{bank_round}",
                            format_func=lambda i: offered[i]["body"], placeholder="Choose one or more questions")
    bank_error = st.empty()
    if st.button("Add chosen questions", key=f"student_research_add_bank_{bank_round}", disabled=not picked):
        key = forms.form_key(f"{bank_name}_{bank_round}")

        def add_chosen() -> None:
            for item_id in picked:
                research.add_planned_question(db, actor, cid, PlannedQuestionCreate(
                    text=offered[item_id]["body"], category=category, library_item_id=item_id),
                    idempotency_key=f"{key}:{item_id}")

        if forms.submit(add_chosen, name=f"{bank_name}_{bank_round}", where=bank_error).ok:
            finish_round(bank_name)
            st.rerun()

    own_name = f"student_research_own_{cid}"
    own_round = next_round(own_name)
    with st.form(f"{own_name}_{own_round}"):
        own = st.text_input("Your own question", key=f"student_research_own_text_{cid}_{own_round}", max_chars=500)
        own_clicked = st.form_submit_button("Add my question")
    own_error = st.empty()
    if own_clicked:
        key = forms.form_key(f"{own_name}_{own_round}")
        if forms.submit(lambda: research.add_planned_question(db, actor, cid, PlannedQuestionCreate(text=own),
                                                              idempotency_key=key),
                        name=f"{own_name}_{own_round}", where=own_error, labels={"text": "Your own question"}).ok:
            finish_round(own_name)
            st.rerun()

link("pages/student_outreach.py", "Next: ask for a meeting", contact_id=cid, icon=":material/send:")
comment_thread(db, actor, actor.user_id, "contact", cid, key=f"student_research_contact_{cid}")
