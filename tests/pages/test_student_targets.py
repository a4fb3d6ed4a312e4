"""The Targets page (AppTest): the add form clears and creates once, a person already listed is refused with a way to
open them or add anyway, stale edits are refused, archive offers undo, removing a focus occupation asks first, and a
name holding a URL is inert text."""

from __future__ import annotations

from pathlib import Path

from core.campaign import contacts
from core.models import ContactCreate
from tests.pages.student_page_helpers import ADD, _actor, _count, _fill_add, _last_key, _page, _texts, _with_db


def _first_id(path: Path, username: str) -> int:
    actor = _actor(path, username)
    return _with_db(path, lambda db: contacts.list_contacts(db, actor, include_archived=True)[0]["id"])


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
    assert len(_with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))) \
        == len(occupations)
    at.button(key="student_targets_keep_occ").click().run()
    assert not any("Remove the focus occupation" in w.value for w in at.warning)
    at.button(key=f"student_targets_remove_occ_{occ}").click().run()
    at.button(key="student_targets_confirm_remove_occ").click().run()
    assert not at.exception
    assert len(_with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))) \
        == len(occupations) - 1


# ---------------------------------------------------------------- inert names (item 6 of the issue)

def test_a_name_holding_a_url_is_shown_as_inert_text(portal_env):
    actor = _actor(portal_env, "student01")
    evil = _with_db(portal_env, lambda db: contacts.create_contact(db, actor, ContactCreate(
        first_name='HYPERLINK("http://evil.example")', last_name="[click](http://evil.example)",
        organization="https://evil.example/org")))
    at = _page(portal_env, "student_targets", "student01", query={"contact": str(evil.id)})
    assert not at.exception
    markup = [e.value for kind in ("title", "subheader", "markdown", "caption", "success", "info", "warning")
              for e in getattr(at, kind)]
    for value in markup:
        assert "](http" not in value and "http://evil.example" not in value and "https://evil" not in value, value
    # The name is there, readable, in the table and the form.
    table = at.dataframe[0].value
    assert 'HYPERLINK("http://evil.example") [click](http://evil.example)' in list(table["Name"])


# ---------------------------------------------------------------- text no store can hold (issue 22, part 2)

def test_text_no_store_can_hold_gets_the_fields_own_message_and_a_search_never_fails(portal_env):
    at = _page(portal_env, "student_targets", "student01")
    before = _count(portal_env, "student01")
    _fill_add(at, 0, first="=Ana", last="Lee", org="County\x00Health")
    at.button(key=ADD.format(0)).click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert "First name cannot start with =, +, - or @ (a spreadsheet would run it as a formula)" in errors
    assert ("Organization holds a control character (such as NUL, escape or bell) that is not text; retype that part"
            in errors)
    assert _count(portal_env, "student01") == before
    assert at.text_input(key="student_targets_add_0_first").value == "=Ana"  # what was typed stays

    actor = _actor(portal_env, "student01")
    occupations = _with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id))
    if len(occupations) < contacts.MAX_FOCUS_OCCUPATIONS:
        at.text_input(key="student_targets_occupation_name").input("Nurs\x00ing")
        at.button(key="FormSubmitter:student_targets_occupation_form-Add occupation").click().run()
        assert not at.exception
        assert any("The occupation holds a control character" in e.value for e in at.error)
        assert _with_db(portal_env, lambda db: contacts.list_focus_occupations(db, actor, actor.user_id)) \
            == occupations

    for typed in ("Ana\x00", "Lee\x1b[31m", "\x00"):
        at.text_input(key="student_targets_search").input(typed).run()
        assert not at.exception, typed
