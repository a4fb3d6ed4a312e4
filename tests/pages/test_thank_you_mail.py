"""Thank-yous (AppTest over the demo): "Open in my mail program" opens the student's mail program with the
contact's address, the thank-you's subject line and the text in the box, as Outreach does for requests."""

from __future__ import annotations

from urllib.parse import quote, unquote

from core.campaign import contacts
from tests.pages.student_page_helpers import _actor, _page, _with_db

STUDENT = "student07"  # the demo's student whose thank-you is late


def _mail_links(at) -> list[str]:
    return [b.proto.url for b in at.get("link_button") if b.proto.label == "Open in my mail program"]


def test_the_thank_you_opens_in_the_mail_program_with_address_subject_and_text(portal_env):
    at = _page(portal_env, "student_thank_you", STUDENT)
    cid = at.selectbox(key="student_thank_you_contact").value
    actor = _actor(portal_env, STUDENT)
    email = _with_db(portal_env, lambda db: contacts.get_contact(db, actor, cid).email)
    assert email
    [box] = [t for t in at.text_area if (t.key or "").startswith("student_thank_you_interview_")]
    [link] = _mail_links(at)
    assert link.startswith(f"mailto:{quote(email)}?subject=Thank%20you%20for%20your%20time&body=")
    assert unquote(link.split("&body=", 1)[1]) == box.value
    # What the student wrote in the box is what the mail program gets.
    box.input("Dear Ana,\n\nThank you: the outbreak story & the advice stayed with me.").run()
    [link] = _mail_links(at)
    assert link.endswith("&body=" + quote("Dear Ana,\n\nThank you: the outbreak story & the advice stayed with me."))
