"""Where I landed on the Keep in touch page (AppTest): an outcome recorded once however the button is clicked
again, edited in place without asking for a second note, removed and brought back with Undo."""

from __future__ import annotations

from datetime import date, timedelta

from core.campaign import contacts, keep_in_touch
from core.models import FollowUpCreate, FollowUpKind
from tests.pages.student_page_helpers import _actor, _last_key, _page, _texts, _with_db


def _outcomes(portal_env, username: str) -> list[dict]:
    actor = _actor(portal_env, username)
    return _with_db(portal_env, lambda db: keep_in_touch.list_outcomes(db, actor, actor.user_id))


def _notes_to_send(portal_env, username: str) -> list[int]:
    actor = _actor(portal_env, username)
    status = _with_db(portal_env, lambda db: keep_in_touch.landed_note_status(db, actor, actor.user_id))
    return sorted(s["contact_id"] for s in status if not s["note_sent"])


def _record_form(at, label: str):
    """A field or the button of the form recording an outcome (not the edit form of one recorded)."""
    found = [w for w in [*at.text_input, *at.multiselect, *at.button]
             if w.label == label and "outcome_edit" not in (getattr(w, "form_id", "") or "")]
    assert len(found) == 1, label
    return found[0]


def test_where_i_landed_clicked_again_records_one_outcome(portal_env):
    at = _page(portal_env, "student_keep_in_touch", "student07")
    assert _outcomes(portal_env, "student07") == []
    helper = at.selectbox(key="student_keep_in_touch_contact").value
    _record_form(at, "Organization").input("Harbor Lab")
    _record_form(at, "Title").input("Field assistant")
    _record_form(at, "Contacts who helped").select(helper)
    _record_form(at, "Record outcome").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # The second click of a double click lands on the form drawn anew, or (the first reply still on its way)
    # on the same form again with its key: neither records a second outcome, nor a second note to send.
    _record_form(at, "Record outcome").click().run()
    assert not at.exception and not at.error
    assert len(_outcomes(portal_env, "student07")) == 1
    at.session_state["form_round_student_keep_in_touch_outcome"] = 0
    at.session_state["form_key_student_keep_in_touch_outcome"] = _last_key(portal_env, "outcome")
    at.run()
    _record_form(at, "Organization").input("Harbor Lab")
    _record_form(at, "Title").input("Field assistant")
    _record_form(at, "Record outcome").click().run()
    assert not at.exception and not at.error
    [outcome] = _outcomes(portal_env, "student07")
    assert (outcome["organization"], outcome["title"]) == ("Harbor Lab", "Field assistant")
    assert _notes_to_send(portal_env, "student07") == [helper]


def test_an_outcome_is_edited_in_place_removed_and_brought_back_with_undo(portal_env):
    at = _page(portal_env, "student_keep_in_touch", "student11")  # the demo student who landed an internship
    [before] = _outcomes(portal_env, "student11")
    notes = _notes_to_send(portal_env, "student11")
    assert len(notes) == 2
    edit = f"student_keep_in_touch_outcome_edit_{before['id']}_0"
    assert at.text_input(key=f"{edit}_title").value == "Summer intern"
    at.text_input(key=f"{edit}_title").input("Research intern")
    at.button(key=f"FormSubmitter:{edit}_form-Save changes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [edited] = _outcomes(portal_env, "student11")
    assert (edited["id"], edited["title"], edited["organization"]) == (before["id"], "Research intern",
                                                                        before["organization"])
    assert _notes_to_send(portal_env, "student11") == notes  # the same two people, one note each
    [remove] = [b for b in at.button if (b.key or "") == f"student_keep_in_touch_outcome_remove_{before['id']}"]
    assert remove.label.startswith("Remove \u201cInternship · Research intern")
    remove.click().run()
    assert not at.exception and _outcomes(portal_env, "student11") == []
    assert "Removed the outcome \u201cInternship · Research intern" in _texts(at)
    at.button(key="student_keep_in_touch_undo_remove").click().run()
    assert not at.exception and not at.error
    [back] = _outcomes(portal_env, "student11")
    assert (back["id"], back["title"], list(back["helped_contact_ids"])) == (
        before["id"], "Research intern", list(before["helped_contact_ids"]))
    assert "Removed the outcome" not in _texts(at)
    assert _notes_to_send(portal_env, "student11") == notes


def test_each_follow_ups_edit_box_names_the_note_it_edits(portal_env):
    actor = _actor(portal_env, "student07")
    contact_id = _with_db(portal_env, lambda db: contacts.list_contacts(db, actor)[0]["id"])
    _with_db(portal_env, lambda db: keep_in_touch.add_follow_up(
        db, actor, contact_id, FollowUpCreate(kind=FollowUpKind.CHECK_IN, body="How is the study going?",
                                              due_on=date.today() + timedelta(days=20))))
    at = _page(portal_env, "student_keep_in_touch", "student07")
    assert not at.exception
    notes = _with_db(portal_env, lambda db: keep_in_touch.list_follow_ups(db, actor, actor.user_id))
    edits = [e.label for e in at.expander if e.label.startswith("Edit the note to ")]
    assert "Edit" not in [e.label for e in at.expander]
    assert len(edits) == len(notes) and all(", planned for " in e or ", sent " in e for e in edits)
