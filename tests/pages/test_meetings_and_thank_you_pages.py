"""The pipeline pages keep what a student saved (AppTest): the thank-you's draft comes back in its box
and is sent as written; an accepted request points to Meetings; a past meeting time asks first."""

from __future__ import annotations

from core.campaign import thanks
from core.models import Actor, Role
from core.store.db import open_database
from tests.apptest_utils import demo_user_id, run_page, texts


def _refusals(at) -> list[str]:
    """Error boxes other than the overdue notice the page shows on purpose."""
    return [e.value for e in at.error if not e.value.startswith("Overdue")]


def _thank_you_box(at):
    [box] = [t for t in at.text_area if (t.key or "").startswith("student_thank_you_interview_")]
    return box


def test_a_saved_thank_you_draft_comes_back_in_its_box_and_is_sent_as_written(portal_env):
    at = run_page("pages/student_thank_you.py", portal_env, "student07")  # a thank-you overdue
    box = _thank_you_box(at)
    box.input("Dear Ana, thank you: the story about the outbreak stayed with me.")
    at.button(key=box.key.replace("_body", "_save")).click().run()
    assert not at.exception and not _refusals(at)
    # Leave and come back: the box holds the draft, once; no second block beside it.
    again = run_page("pages/student_thank_you.py", portal_env, "student07")
    box = _thank_you_box(again)
    assert box.value == "Dear Ana, thank you: the story about the outbreak stayed with me."
    assert "Draft saved" not in texts(again) and len([b for b in again.button if b.label == "Mark sent"]) == 1
    box.input("Dear Ana, thank you: the outbreak story stayed with me.")
    again.button(key=box.key.replace("_body", "_send")).click().run()
    assert not again.exception and not _refusals(again)
    db = open_database(portal_env)
    try:
        actor = Actor(demo_user_id(portal_env, "student07"), Role.STUDENT)
        contact_id = again.selectbox(key="student_thank_you_contact").value
        current = [t for t in thanks.current_thank_yous(db, actor, contact_id) if t["kind"] == "interview"]
    finally:
        db.close()
    assert [(t["body"], t["sent_at"] is not None) for t in current][-1] == (
        "Dear Ana, thank you: the outbreak story stayed with me.", True)


def test_an_empty_thank_you_is_refused_in_the_words_of_its_box(portal_env):
    at = run_page("pages/student_thank_you.py", portal_env, "student07")
    box = _thank_you_box(at)
    box.input("")
    at.button(key=box.key.replace("_body", "_save")).click().run()
    assert not at.exception
    # The message names the box as the page does, not the stored field ("Body is required").
    assert "Your thank-you is required" in _refusals(at)
    assert not any("Body" in e for e in _refusals(at))


def test_raising_the_cohorts_window_leaves_a_late_thank_you_late(portal_env):
    """student07's thank-you is overdue; her counselor raises the cohort's thank-you window to two weeks on the
    cohort page. The meeting keeps the window it was held under: the Thank-yous page still says overdue, due
    when it was."""
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import ROOT, sign_in_state

    def overdue() -> list[str]:
        at = run_page("pages/student_thank_you.py", portal_env, "student07")
        # "Overdue: it was due <when>, N hours ago. Send it today.": the moment, not the hours that tick on.
        return [e.value.rsplit(", ", 1)[0] for e in at.error if e.value.startswith("Overdue")]

    before = overdue()
    assert before and before[0].startswith("Overdue: it was due ")
    cohort = AppTest.from_file(str(ROOT / "pages/counselor_cohort.py"), default_timeout=60)
    cohort = sign_in_state(cohort, demo_user_id(portal_env, "counselor.rivera")).run()
    cohort.number_input(key="counselor_cohort_window").set_value(336)
    cohort.button[[b.label for b in cohort.button].index("Save timing")].click().run()
    assert [s.value for s in cohort.success] == ["Timing saved."]
    assert overdue() == before


def test_scheduling_in_the_past_asks_before_saving(portal_env):
    at = run_page("pages/student_meetings.py", portal_env, "student07")
    [day] = [d for d in at.date_input if (d.key or "").endswith("_day") and "schedule" in d.key]
    from datetime import date, timedelta
    day.set_value(date.today() - timedelta(days=3))
    [button] = [b for b in at.button if b.label == "Schedule"]
    before = len([e for e in at.expander])
    button.click().run()
    assert not at.exception
    assert any("is in the past" in w.value for w in at.warning)
    assert len([e for e in at.expander]) == before  # nothing scheduled yet
    [confirm] = [c for c in at.checkbox if c.label == "Yes, schedule it at that time"]
    confirm.check()
    [button] = [b for b in at.button if b.label == "Schedule"]
    button.click().run()
    assert "Meeting scheduled" in texts(at)


def test_a_scheduled_meeting_is_moved_in_place_and_its_log_still_saves(portal_env):
    from datetime import date, timedelta

    from core.campaign import meetings
    from core.store.db import rows

    at = run_page("pages/student_meetings.py", portal_env, "student07")
    [button] = [b for b in at.button if b.label == "Schedule"]
    button.click().run()
    assert "Meeting scheduled" in texts(at)
    contact_id = at.selectbox(key="student_meetings_contact").value
    actor = Actor(demo_user_id(portal_env, "student07"), Role.STUDENT)

    def scheduled() -> list[dict]:
        db = open_database(portal_env)
        try:
            return [m for m in meetings.list_meetings(db, actor, contact_id) if m["status"] == "scheduled"]
        finally:
            db.close()

    [meeting] = scheduled()
    move = f"student_meetings_move_{meeting['id']}"
    # Moved to two days ago (it was held earlier than planned): the page asks first, then moves it.
    [day] = [d for d in at.date_input if (d.key or "").startswith(move) and d.key.endswith("_day")]
    new_day = date.today() - timedelta(days=2)
    day.set_value(new_day)
    [place] = [t for t in at.text_input if (t.key or "").startswith(move) and t.key.endswith("_location")]
    place.input("Library, room 2")
    [go] = [b for b in at.button if b.label == "Move the meeting" and move in (b.key or "")]
    go.click().run()
    assert any("is in the past" in w.value for w in at.warning)
    [confirm] = [c for c in at.checkbox if c.label == "Yes, move it to that time"]
    confirm.check()
    [go] = [b for b in at.button if b.label == "Move the meeting" and move in (b.key or "")]
    go.click().run()
    assert not at.exception and not _refusals(at)
    assert "Meeting moved" in texts(at)
    [moved] = scheduled()
    assert moved["id"] == meeting["id"] and moved["location"] == "Library, room 2"
    assert meetings.to_local(moved["starts_at"], moved["timezone"]).date() == new_day
    # The log form of the moved meeting (its time has come now) saves: it re-read the version the move
    # made, so the log is saved, not refused as stale.
    [save] = [b for b in at.button if b.label == "Save the log" and str(meeting["id"]) in (b.key or "")]
    save.click().run()
    assert not at.exception and not _refusals(at)
    assert "changed since you opened it" not in texts(at)
    db = open_database(portal_env)
    try:
        with db.cursor() as cur:
            assert rows(cur, "SELECT status FROM meetings WHERE id = ?", [meeting["id"]]) == [{"status": "held"}]
    finally:
        db.close()
