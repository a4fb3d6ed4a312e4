"""The Research page (AppTest): planned questions from the own form added once, reworded with a version, removed with
undo; research saved from a stale tab refused with both texts kept; the contact picker keeps a new choice."""

from __future__ import annotations

from core.campaign import contacts, research
from tests.pages.student_page_helpers import _actor, _last_key, _page, _with_db
from ui.widgets import md_escape


def test_planned_questions_from_the_own_form_are_added_once(portal_env):
    at = _page(portal_env, "student_research", "student07")
    cid = at.selectbox(key="student_research_contact").value
    before = _with_db(portal_env,
                      lambda db: len(research.list_planned_questions(db, _actor(portal_env, "student07"), cid)))
    at.text_input(key=f"student_research_own_text_{cid}_0").input("What would you do differently today?")
    at.button(key=f"FormSubmitter:student_research_own_{cid}_0-Add my question").click().run()
    assert not at.exception and not at.error
    # A late second submit of the same render finds the question it already created.
    at.session_state[f"student_research_own_{cid}_round"] = 0
    at.session_state[f"form_key_student_research_own_{cid}_0"] = _last_key(portal_env, "question")
    at.run()
    at.text_input(key=f"student_research_own_text_{cid}_0").input("What would you do differently today?")
    at.button(key=f"FormSubmitter:student_research_own_{cid}_0-Add my question").click().run()
    assert not at.exception and not at.error
    after = _with_db(portal_env, lambda db: research.list_planned_questions(db, _actor(portal_env, "student07"), cid))
    assert len(after) == before + 1


# ---------------------------------------------------------------- lost updates (item 5)

def test_research_saved_from_a_stale_tab_is_refused_and_keeps_both_texts(portal_env):
    tab_a = _page(portal_env, "student_research", "student07")
    cid = tab_a.selectbox(key="student_research_contact").value
    tab_b = _page(portal_env, "student_research", "student07", query={"contact": str(cid)})
    tab_a.text_area(key=f"student_research_person_{cid}").input("A: runs the lab")
    tab_a.text_area(key=f"student_research_org_{cid}").input("A: a county agency")
    tab_a.button(key=f"FormSubmitter:student_research_notes_{cid}_form-Save notes").click().run()
    assert not tab_a.exception and not tab_a.error
    tab_b.text_area(key=f"student_research_person_{cid}").input("B: leads surveillance")
    tab_b.button(key=f"FormSubmitter:student_research_notes_{cid}_form-Save notes").click().run()
    assert not tab_b.exception
    assert any("changed since you opened it" in e.value for e in tab_b.error)
    assert "A: a county agency" in [t.value for t in tab_b.text]  # the saved version is shown
    assert tab_b.text_area(key=f"student_research_person_{cid}").value == "B: leads surveillance"
    actor = _actor(portal_env, "student07")
    saved = _with_db(portal_env, lambda db: research.get_research(db, actor, cid))
    assert (saved["about_person"], saved["about_organization"]) == ("A: runs the lab", "A: a county agency")
    # Saving again applies B's change over the version shown; A's organization is not blanked.
    tab_b.button(key=f"FormSubmitter:student_research_notes_{cid}_form-Save notes").click().run()
    assert not tab_b.exception and not tab_b.error
    saved = _with_db(portal_env, lambda db: research.get_research(db, actor, cid))
    assert (saved["about_person"], saved["about_organization"]) == ("B: leads surveillance", "A: a county agency")


def test_a_removed_question_comes_back_with_undo(portal_env):
    at = _page(portal_env, "student_research", "student07")
    cid = at.selectbox(key="student_research_contact").value
    actor = _actor(portal_env, "student07")
    plan = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))
    assert plan, "student07's first contact has planned questions in the demo"
    at.button(key=f"student_research_drop_{plan[0]['id']}").click().run()
    assert len(_with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))) == len(plan) - 1
    at.button(key="student_research_undo_remove").click().run()
    assert not at.exception
    again = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))
    assert [q["text"] for q in again] == [q["text"] for q in plan]


def test_the_picker_keeps_a_new_choice_over_the_address_it_was_opened_with(portal_env):
    actor = _actor(portal_env, "student07")
    first, second = _with_db(portal_env, lambda db: [c["id"] for c in contacts.list_contacts(db, actor)][:2])
    at = _page(portal_env, "student_research", "student07", query={"contact": str(first)})
    assert at.selectbox(key="student_research_contact").value == first
    at.selectbox(key="student_research_contact").select(second).run()
    assert not at.exception
    at.run()  # any later rerun (a save, a click) keeps the new choice
    assert at.selectbox(key="student_research_contact").value == second
    assert at.query_params["contact"] == str(second)


def test_a_planned_question_can_be_reworded_and_a_stale_rewording_is_refused(portal_env):
    tab_a = _page(portal_env, "student_research", "student07")
    cid = tab_a.selectbox(key="student_research_contact").value
    tab_b = _page(portal_env, "student_research", "student07", query={"contact": str(cid)})
    actor = _actor(portal_env, "student07")
    q = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))[0]
    name = f"student_research_question_{q['id']}"
    tab_a.text_area(key=f"{name}_text").input("What does a normal week look like for you?")
    tab_a.button(key=f"FormSubmitter:{name}_form-Save the wording of question 1").click().run()
    assert not tab_a.exception and not tab_a.error
    assert "1. What does a normal week look like for you?" in [t.value for t in tab_a.text]
    tab_b.text_area(key=f"{name}_text").input("Stale wording from the other tab?")
    tab_b.button(key=f"FormSubmitter:{name}_form-Save the wording of question 1").click().run()
    assert any("changed since you opened it" in e.value for e in tab_b.error)
    saved = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))[0]
    assert (saved["id"], saved["text"], saved["version"]) == (q["id"], "What does a normal week look like for you?", 2)


def test_each_question_control_names_the_question_it_acts_on(portal_env):
    at = _page(portal_env, "student_research", "student07")
    cid = at.selectbox(key="student_research_contact").value
    actor = _actor(portal_env, "student07")
    plan = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))
    assert len(plan) >= 2, "student07's first contact has several planned questions in the demo"
    first, second = plan[0], plan[1]
    # The question's words (its first ones, when it is long) in quotes.
    opening = f"\u201c{md_escape(first['text'][:30])}"
    down = at.button(key=f"student_research_down_{first['id']}").label
    assert down.startswith(f"Move {opening}") and down.endswith("\u201d down")
    assert at.button(key=f"student_research_drop_{first['id']}").label.startswith(f"Remove {opening}")
    assert at.button(key=f"student_research_up_{second['id']}").label.startswith("Move \u201c")
    # The first question has no "up" and the last no "down": nothing is offered that cannot be done.
    assert not [b for b in at.button if b.key == f"student_research_up_{first['id']}"]
    assert [p.proto.popover.label for p in at.get("popover")][:2] == ["Change question 1", "Change question 2"]
    assert at.text_area(key=f"student_research_question_{first['id']}_text").label == "Wording of question 1"
    # Moving by the named button still moves the question.
    at.button(key=f"student_research_down_{first['id']}").click().run()
    after = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))
    assert [q["id"] for q in after][:2] == [second["id"], first["id"]]


def test_an_empty_own_question_is_refused_in_the_words_of_its_box(portal_env):
    at = _page(portal_env, "student_research", "student07")
    cid = at.selectbox(key="student_research_contact").value
    at.button(key=f"FormSubmitter:student_research_own_{cid}_0-Add my question").click().run()
    assert not at.exception
    # Named as the page shows the box, not the stored field ("Text needs at least 3 characters").
    assert [e.value for e in at.error] == ["Your own question needs at least 3 characters"]
