"""AppTest for every student campaign page: runs for students, refused to counselors and admins,
and the behaviours a student would notice (to-dos, field errors, scoping, import, draft checker)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.campaign.contacts import list_contacts
from core.campaign.todo import todo_list
from core.identity.accounts import user_id_for_username
from core.models import Actor, Role
from core.store.db import open_database
from tests.apptest_utils import sign_in_state

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["student_home", "student_targets", "student_research", "student_outreach", "student_meetings",
         "student_thank_you", "student_reflection", "student_keep_in_touch", "student_referral_map"]
# Students at different points of the demo campaign (seeds/demo.py PROFILES).
STUDENTS = ["student01", "student07", "student10", "student11"]


def _uid(path: Path, username: str) -> int:
    db = open_database(path)
    try:
        return user_id_for_username(db, username)
    finally:
        db.close()


def _run(path: Path, page: str, username: str, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, _uid(path, username))
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.text] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", STUDENTS)
def test_each_page_runs_for_students(portal_env, page, username):
    at = _run(portal_env, page, username)
    assert not at.exception, [e.value for e in at.exception]
    # The only red box a student may see unasked is an overdue thank-you (student07's, on purpose).
    assert all(e.value.startswith("Overdue:") for e in at.error), [e.value for e in at.error]
    assert at.title and at.title[0].value


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username, role", [("counselor.rivera", "counselor"), ("admin", "admin")])
def test_each_page_refuses_other_roles(portal_env, page, username, role):
    at = _run(portal_env, page, username)
    assert not at.exception
    assert [e.value for e in at.error] == [f"This page is for students. You are signed in as a {role}."]
    assert not at.title and not at.text_input and not at.selectbox and not at.button


def test_home_lists_the_overdue_thank_you_first_with_hours_late(portal_env):
    at = _run(portal_env, "student_home", "student07")
    first = at.markdown[[i for i, m in enumerate(at.markdown) if "Send your thank" in m.value][0]].value
    assert ":red[**Send your thank\\-you**]" in first and "h late**" in first
    assert [p.value for p in at.get("progress")] and "of 6 targets" in _texts(at) + str(
        [p.proto.text for p in at.get("progress")])


def test_home_for_a_student_without_targets_suggests_adding_them(portal_env):
    at = _run(portal_env, "student_home", "student01")
    assert "List three to five people" in _texts(at)


def test_adding_a_target_without_a_name_shows_the_error_at_the_field(portal_env):
    at = _run(portal_env, "student_targets", "student01")
    at.text_input(key="student_targets_add_0_org").input("County Health")
    at.text_input(key="student_targets_add_0_email").input("not-an-email")
    at.button(key="FormSubmitter:student_targets_add_form_0-Add target").click().run()
    errors = [e.value for e in at.error]
    assert "First name is required" in errors
    assert any(e.startswith("Email is not an email address") for e in errors)
    db = open_database(portal_env)
    try:
        assert list_contacts(db, Actor(_uid(portal_env, "student01"), Role.STUDENT)) == []
    finally:
        db.close()


def test_adding_a_target_writes_it_for_the_acting_student(portal_env):
    at = _run(portal_env, "student_targets", "student01")
    at.text_input(key="student_targets_add_0_first").input("Ana")
    at.text_input(key="student_targets_add_0_last").input("Lee")
    at.text_input(key="student_targets_add_0_org").input("County Health")
    at.button(key="FormSubmitter:student_targets_add_form_0-Add target").click().run()
    assert not at.exception and not at.error
    assert "Added Ana Lee" in _texts(at)
    db = open_database(portal_env)
    try:
        [c] = list_contacts(db, Actor(_uid(portal_env, "student01"), Role.STUDENT))
        assert (c["first_name"], c["organization"], c["stage"]) == ("Ana", "County Health", "target")
    finally:
        db.close()


def test_another_students_contact_in_the_url_is_not_shown(portal_env):
    db = open_database(portal_env)
    try:
        other = list_contacts(db, Actor(_uid(portal_env, "student07"), Role.STUDENT))[0]
        own = list_contacts(db, Actor(_uid(portal_env, "student10"), Role.STUDENT))
    finally:
        db.close()
    at = _run(portal_env, "student_research", "student10", query={"contact": str(other["id"])})
    assert not at.exception
    assert "That contact is not in this list" in _texts(at)
    assert at.selectbox(key="student_research_contact").value in {c["id"] for c in own}
    assert other["id"] not in at.selectbox(key="student_research_contact").options


def test_outreach_checker_flags_a_job_request_and_escapes_the_draft(portal_env):
    at = _run(portal_env, "student_outreach", "student10")
    [body] = [t for t in at.text_area if (t.key or "").startswith("student_outreach_body_")]
    body.input("Hi [click](http://evil.example) *you*, are you hiring? Let's meet for an hour.").run()
    text = _texts(at)
    assert "Asks for advice, not a job" in text and ":red-background[**hiring**]" in text
    # Met or not met in words, not only a green or red icon, and the words to look at listed as words.
    assert ":red[:material/cancel: Not met:] **Asks for advice, not a job.**" in text
    assert ":green[:material/check_circle: Met:]" in text
    assert "Words to look at, in bold on a red background in your draft: \u201chiring\u201d" in text
    assert "\\[click\\]\\(http\\:" in text  # the student's own markdown is shown as text, not as a link


def test_linkedin_preview_and_import(portal_env):
    csv = ("Notes:\n\"Some emails may be missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,"
           "Connected On\nAna,Lee,https://www.linkedin.com/in/ana,,\"Acme, Inc.\",Analyst,12 Mar 2024\n"
           "Ana,Lee,https://www.linkedin.com/in/ana,,\"Acme, Inc.\",Analyst,12 Mar 2024\n").encode()
    at = _run(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").upload("Connections.csv", csv, "text/csv").run()
    assert "1 new, 1 to skip" in _texts(at)
    at.button(key="student_targets_linkedin_go").click().run()
    assert "Imported 1; skipped 1." in _texts(at)


def test_linkedin_preview_names_the_lines_whose_date_cannot_be_read(portal_env):
    csv = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
           "Ana,Lee,https://www.linkedin.com/in/ana-d,,Acme,Analyst,7-Feb-22\n"
           "Bo,Kim,https://www.linkedin.com/in/bo-d,,Acme,Analyst,30 Feb 2024\n").encode()
    at = _run(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").upload("Connections.csv", csv, "text/csv").run()
    assert not at.exception
    assert "2 new, 0 to skip" in _texts(at)
    assert [w.value for w in at.warning if "could not be read as a date" in w.value] == [
        "The connection date on line(s) 3 could not be read as a date: those people are imported without one."]


def test_linkedin_foreign_file_gets_a_clear_message(portal_env):
    at = _run(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").upload("budget.csv", b"item,cost\nrent,900\n",
                                                                 "text/csv").run()
    assert any("does not look like LinkedIn's Connections.csv" in e.value.replace("\\", "") for e in at.error)


def test_reflection_needs_an_answer(portal_env):
    at = _run(portal_env, "student_reflection", "student07")
    meeting = at.selectbox(key="student_reflection_meeting").value
    at.button(key=f"FormSubmitter:student_reflection_form_{meeting}-Save reflection").click().run()
    assert "Answer at least one of the questions before saving." in [e.value for e in at.error]


def test_referral_map_draws_a_chart(portal_env):
    at = _run(portal_env, "student_referral_map", "student10")
    charts = at.get("graphviz_chart")
    assert charts and "->" in charts[0].proto.spec


def test_the_referral_lists_words_say_what_the_dashed_arrow_means(portal_env):
    db = open_database(portal_env)
    try:
        with db.cursor() as cur:
            to_id, from_name = cur.execute(
                """SELECT c.id, r.first_name || ' ' || r.last_name FROM contacts c
                   JOIN contacts r ON r.id = c.referred_by_contact_id JOIN users u ON u.id = c.student_id
                   WHERE u.username = 'student10' ORDER BY c.id LIMIT 1""").fetchone()
            cur.execute("UPDATE contacts SET may_use_referrer_name = false WHERE id = ?", [to_id])
    finally:
        db.close()
    at = _run(portal_env, "student_referral_map", "student10")
    assert not at.exception
    listed = [m.value for m in at.markdown if " → " in m.value]
    assert [m for m in listed if m.endswith(f"(you may not use {from_name}'s name)")], listed


def test_outreach_starts_from_a_request_template_unless_a_follow_up_is_due(portal_env):
    at = _run(portal_env, "student_outreach", "student09")  # a student with no unanswered request
    [write] = [b for b in at.button if b.label == "Write another draft"]  # their request was answered
    write.click().run()
    template = at.selectbox(key="student_outreach_template")
    assert template.format_func(template.value) == "Meeting request by email"
    db = open_database(portal_env)
    try:
        # student05's request went out eight days ago with no reply: the to-do list names the contact.
        [due] = [i.contact_id for i in todo_list(db, Actor(_uid(portal_env, "student05"), Role.STUDENT))
                 if i.kind == "follow_up"]
    finally:
        db.close()
    at = _run(portal_env, "student_outreach", "student05", query={"contact": str(due)})
    template = at.selectbox(key="student_outreach_template")
    assert template.format_func(template.value) == "One polite follow-up"
    assert any("No reply to your request" in w.value for w in at.warning)


def test_where_i_landed_notes_are_proposed_to_each_helper(portal_env):
    at = _run(portal_env, "student_keep_in_touch", "student11")  # the demo student who landed an internship
    notes = [t for t in at.text_area if (t.key or "").startswith("student_keep_in_touch_landed_")]
    assert len(notes) == 2
    assert all("I have accepted an internship as Summer intern at" in n.value for n in notes)
    at.button(key=notes[0].key.replace("_landed_", "_landed_go_")).click().run()
    assert len([t for t in at.text_area if (t.key or "").startswith("student_keep_in_touch_landed_")]) == 1


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    ("Notes:\n\"Some email addresses may be missing.\"\n\n".encode(), "does not look like LinkedIn's Connections.csv"),
    ("First Name,Last Name\nAna,Lee\n".encode("utf-16"), "not a text CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(300), "not a text CSV"),
    (("First Name,Last Name,URL,Email Address,Company,Position,Connected On\nAna,Lee,,,\"" + "x" * 131_072
      + "\",CEO,\n").encode(), "holds more than 10,000 characters"),
])
def test_linkedin_bad_uploads_get_a_message_and_write_nothing(portal_env, data, message):
    at = _run(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").upload("Connections.csv", data, "text/csv").run()
    assert not at.exception
    # shown inert (escaped)
    assert any(message in e.value.replace("\\", "") for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "student_targets_linkedin_go"]
    db = open_database(portal_env)
    try:
        assert list_contacts(db, Actor(_uid(portal_env, "student01"), Role.STUDENT), include_archived=True) == []
    finally:
        db.close()
