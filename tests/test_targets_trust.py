"""Saved work a student can trust on Targets and Research (issue 8), in AppTest: forms that clear and
create once, duplicates caught with a way to open the existing person, stale saves refused with the
person's text kept, undo and confirmation, inert names, and bad `?contact=` addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.campaign import contacts, research
from core.identity.accounts import user_id_for_username
from core.store.db import Database, open_database, scalar
from core.models import Actor, ContactCreate, Role
from tests.apptest_utils import sign_in_state

ROOT = Path(__file__).resolve().parents[1]
ADD = "FormSubmitter:student_targets_add_form_{}-Add target"


def _actor(path: Path, username: str) -> Actor:
    db = open_database(path)
    try:
        return Actor(user_id_for_username(db, username), Role.STUDENT)
    finally:
        db.close()


def _with_db(path: Path, fn):
    db = open_database(path)
    try:
        return fn(db)
    finally:
        db.close()


def _page(path: Path, page: str, username: str, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, _actor(path, username).user_id)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "text", "caption", "error", "warning", "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


def _fill_add(at: AppTest, round_no: int, **values) -> None:
    for field, value in values.items():
        at.text_input(key=f"student_targets_add_{round_no}_{field}").input(value)


def _last_key(path: Path, entity_type: str) -> str:
    """The idempotency key the last create of this kind was made with."""
    def read(db: Database) -> str:
        with db.cursor() as cur:
            return scalar(cur, "SELECT key FROM form_submissions WHERE entity_type = ? ORDER BY created_at DESC "
                               "LIMIT 1", [entity_type])
    return _with_db(path, read)


def _count(path: Path, username: str, **extra) -> int:
    actor = _actor(path, username)
    return _with_db(path, lambda db: len(contacts.list_contacts(db, actor, include_archived=True, **extra)))


# ---------------------------------------------------------------- duplicates (item 4)

def test_add_target_clears_its_form_and_a_resent_submit_creates_nothing(portal_env):
    at = _page(portal_env, "student_targets", "student01")
    _fill_add(at, 0, first="Ana", last="Lee", org="County Health")
    at.button(key=ADD.format(0)).click().run()
    assert not at.exception and "Added Ana Lee" in _texts(at)
    # The form drawn after the save is a new, empty one.
    assert [at.text_input(key=f"student_targets_add_1_{f}").value for f in ("first", "last", "org")] == ["", "", ""]
    # The same render submitted again (a second click that reached the server late) carries the
    # first submit's key: nothing new is created.
    at.session_state["student_targets_add_round"] = 0
    at.session_state["form_key_student_targets_add_0"] = _last_key(portal_env, "contact")
    at.run()
    _fill_add(at, 0, first="Ana", last="Lee", org="County Health")
    at.button(key=ADD.format(0)).click().run()
    assert not at.exception and not at.warning
    assert _count(portal_env, "student01") == 1


def test_a_person_already_listed_is_refused_with_open_and_add_anyway(portal_env):
    at = _page(portal_env, "student_targets", "student01")
    _fill_add(at, 0, first="Ana", last="Lee", org="County Health", email="ana@example.org")
    at.button(key=ADD.format(0)).click().run()
    _fill_add(at, 1, first="Anna", last="Lee-Smith", org="Elsewhere", email="ANA@example.org")
    at.button(key=ADD.format(1)).click().run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert "This person is already in your list (the same email)" in warning
    assert "Already in your list: Ana Lee · County Health" in _texts(at)
    assert _count(portal_env, "student01") == 1
    # The typed values stay in the form, and the page offers both ways on.
    assert at.text_input(key="student_targets_add_1_first").value == "Anna"
    at.button(key="student_targets_open_existing").click().run()
    assert not at.exception
    assert at.text_input(key=f"student_targets_edit_{_first_id(portal_env, 'student01')}_first").value == "Ana"
    _fill_add(at, 1, first="Anna", last="Lee-Smith", org="Elsewhere", email="ANA@example.org")
    at.button(key=ADD.format(1)).click().run()
    at.button(key="student_targets_add_anyway").click().run()
    assert not at.exception and "Added Anna Lee\\-Smith" in _texts(at)
    assert _count(portal_env, "student01") == 2


def _first_id(path: Path, username: str) -> int:
    actor = _actor(path, username)
    return _with_db(path, lambda db: contacts.list_contacts(db, actor, include_archived=True)[0]["id"])


def test_planned_questions_from_the_own_form_are_added_once(portal_env):
    at = _page(portal_env, "student_research", "student07")
    cid = at.selectbox(key="student_research_contact").value
    before = _with_db(portal_env, lambda db: len(research.list_planned_questions(db, _actor(portal_env, "student07"), cid)))
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


def test_a_contact_edited_in_a_stale_tab_is_refused(portal_env):
    cid = _first_id(portal_env, "student07")
    tab_a = _page(portal_env, "student_targets", "student07", query={"contact": str(cid)})
    tab_b = _page(portal_env, "student_targets", "student07", query={"contact": str(cid)})
    tab_a.text_input(key=f"student_targets_edit_{cid}_title").input("Chief epidemiologist")
    tab_a.button(key=f"FormSubmitter:student_targets_edit_{cid}_form-Save changes").click().run()
    assert not tab_a.exception and not tab_a.error
    tab_b.text_input(key=f"student_targets_edit_{cid}_phone").input("555-0100")
    tab_b.button(key=f"FormSubmitter:student_targets_edit_{cid}_form-Save changes").click().run()
    assert any("changed since you opened it" in e.value for e in tab_b.error)
    actor = _actor(portal_env, "student07")
    saved = _with_db(portal_env, lambda db: contacts.get_contact(db, actor, cid))
    assert (saved.title, saved.phone) == ("Chief epidemiologist", None)
    tab_b.button(key=f"FormSubmitter:student_targets_edit_{cid}_form-Save changes").click().run()
    saved = _with_db(portal_env, lambda db: contacts.get_contact(db, actor, cid))
    assert (saved.title, saved.phone) == ("Chief epidemiologist", "555-0100")


# ---------------------------------------------------------------- undo and confirmation (item 6 of the brief)

def test_archive_offers_undo_and_removing_a_focus_occupation_asks_first(portal_env):
    cid = _first_id(portal_env, "student07")
    at = _page(portal_env, "student_targets", "student07", query={"contact": str(cid)})
    at.button(key=f"student_targets_archive_{cid}").click().run()
    actor = _actor(portal_env, "student07")
    assert _with_db(portal_env, lambda db: contacts.get_contact(db, actor, cid).archived_at) is not None
    assert any("Archived" in i.value for i in at.info)
    at.button(key="student_targets_undo_archive").click().run()
    assert not at.exception
    assert _with_db(portal_env, lambda db: contacts.get_contact(db, actor, cid).archived_at) is None

    occupations = _with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))
    occ = occupations[0]["id"]
    at.button(key=f"student_targets_remove_occ_{occ}").click().run()
    assert any("Remove the focus occupation" in w.value for w in at.warning)
    assert len(_with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))) == len(occupations)
    at.button(key="student_targets_keep_occ").click().run()
    assert not any("Remove the focus occupation" in w.value for w in at.warning)
    at.button(key=f"student_targets_remove_occ_{occ}").click().run()
    at.button(key="student_targets_confirm_remove_occ").click().run()
    assert not at.exception
    assert len(_with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))) == len(occupations) - 1


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


# ---------------------------------------------------------------- inert names (item 6 of the issue)

def test_a_name_holding_a_url_is_shown_as_inert_text(portal_env):
    actor = _actor(portal_env, "student01")
    evil = _with_db(portal_env, lambda db: contacts.create_contact(db, actor, ContactCreate(
        first_name='=HYPERLINK("http://evil.example")', last_name="[click](http://evil.example)",
        organization="https://evil.example/org")))
    at = _page(portal_env, "student_targets", "student01", query={"contact": str(evil.id)})
    assert not at.exception
    markup = [e.value for kind in ("title", "subheader", "markdown", "caption", "success", "info", "warning")
              for e in getattr(at, kind)]
    for value in markup:
        assert "](http" not in value and "http://evil.example" not in value and "https://evil" not in value, value
    # The name is there, readable, in the table and the form.
    table = at.dataframe[0].value
    assert '=HYPERLINK("http://evil.example") [click](http://evil.example)' in list(table["Name"])


# ---------------------------------------------------------------- bad addresses (item 4 of the brief)

@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999999", "-1", "0", "1.5", " ", "١٢"])
@pytest.mark.parametrize("page", ["student_targets", "student_research", "student_outreach", "student_meetings",
                                  "student_thank_you", "student_keep_in_touch"])
def test_a_contact_address_that_names_nothing_gets_a_message(portal_env, page, value):
    at = _page(portal_env, page, "student11", query={"contact": value})
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning]
    if value.strip():
        assert any("names no contact" in w for w in shown), shown
    assert at.title and at.title[0].value


def test_the_students_own_name_is_inert_in_the_home_title(portal_env):
    actor = _actor(portal_env, "student01")

    def rename(db: Database) -> None:
        with db.cursor() as cur:
            cur.execute("UPDATE users SET first_name = ? WHERE id = ?", ["![x](http://evil.example/x.png)", actor.user_id])
    _with_db(portal_env, rename)
    at = _page(portal_env, "student_home", "student01")
    assert not at.exception
    title = at.title[0].value
    assert "](http" not in title and "http://evil.example" not in title and title.startswith("Hello, ")


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
    tab_a.button(key=f"FormSubmitter:{name}_form-Save wording").click().run()
    assert not tab_a.exception and not tab_a.error
    assert "1. What does a normal week look like for you?" in [t.value for t in tab_a.text]
    tab_b.text_area(key=f"{name}_text").input("Stale wording from the other tab?")
    tab_b.button(key=f"FormSubmitter:{name}_form-Save wording").click().run()
    assert any("changed since you opened it" in e.value for e in tab_b.error)
    saved = _with_db(portal_env, lambda db: research.list_planned_questions(db, actor, cid))[0]
    assert (saved["id"], saved["text"], saved["version"]) == (q["id"], "What does a normal week look like for you?", 2)
