"""Outreach's new draft (AppTest over the demo): once a draft is saved, the page offers "Write another
draft" as a button, not a second form prefilled with the same template; the button opens one. The saved
email draft opens in the student's mail program."""

from __future__ import annotations

from core.campaign import contacts, outreach
from tests.pages.student_page_helpers import _actor, _page, _with_db

STUDENT = "student03"  # the demo's student still researching: a contact with no message yet


def _save_buttons(at) -> list:
    return [b for b in at.button if b.label == "Save draft" and (b.key or "").startswith("student_outreach_save_")]


def test_a_saved_draft_is_followed_by_a_button_for_another_not_a_second_form(portal_env):
    actor = _actor(portal_env, STUDENT)

    def without_messages(db) -> int:
        return next(c["id"] for c in contacts.list_contacts(db, actor)
                    if c["email"] and not outreach.list_messages(db, actor, c["id"]))

    cid = _with_db(portal_env, without_messages)
    at = _page(portal_env, "student_outreach", STUDENT, query={"contact": str(cid)})
    assert "Write a new draft" in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == "Write another draft"]
    _save_buttons(at)[0].click().run()
    assert not at.exception and not at.error
    assert len(_with_db(portal_env, lambda db: outreach.list_messages(db, actor, cid))) == 1
    # The saved draft is edited in place above; no second, prefilled form below it.
    assert [b.label for b in at.button].count("Save changes") == 1
    assert _save_buttons(at) == [] and "Write a new draft" not in [s.value for s in at.subheader]
    assert len([t for t in at.text_area if t.label == "Message"]) == 1
    # The saved email draft opens in the mail program, to the contact.
    [mail] = [b.proto.url for b in at.get("link_button") if b.proto.label == "Open in my mail program"]
    assert mail.startswith("mailto:contact") and "?subject=" in mail and "&body=Dear%20" in mail
    [write] = [b for b in at.button if b.label == "Write another draft"]
    write.click().run()
    assert len(_save_buttons(at)) == 1 and len([t for t in at.text_area if t.label == "Message"]) == 2
    # Saving the second draft closes its form again.
    _save_buttons(at)[0].click().run()
    assert not at.exception and not at.error
    assert len(_with_db(portal_env, lambda db: outreach.list_messages(db, actor, cid))) == 2
    assert _save_buttons(at) == [] and [b.label for b in at.button].count("Write another draft") == 1
