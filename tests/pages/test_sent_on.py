"""The "Sent on" day and time (ui/sent_on.py) on the pages that mark a message sent (AppTest): a thank-you emailed on
time and logged after the window is on time; a time before the meeting is refused with the text kept; a
keep-in-touch note and a request keep the day and time they went out, and a time still to come is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.campaign import keep_in_touch, outreach, thanks
from core.clock import utcnow
from core.config import get_settings
from core.models import Channel, OutreachCreate
from tests.pages.student_page_helpers import _actor, _page, _texts, _with_db


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(get_settings().timezone))


def _give_sent_on(at, key: str, moment: datetime) -> None:
    """Put a stored (naive UTC) moment into the "Sent on" and "At" fields drawn with `key`."""
    shown = _local(moment)
    at.date_input(key=f"{key}_day").set_value(shown.date())
    at.time_input(key=f"{key}_time").set_value(shown.time().replace(second=0, microsecond=0))


def _overdue(portal_env, at) -> tuple[int, dict]:
    cid = at.selectbox(key="student_thank_you_contact").value
    actor = _actor(portal_env, "student07")
    [status] = [s for s in _with_db(portal_env, lambda db: thanks.thank_you_status(db, actor, cid)) if s["overdue"]]
    return cid, status


def test_a_thank_you_emailed_in_time_and_logged_late_is_marked_sent_on_time(portal_env):
    at = _page(portal_env, "student_thank_you", "student07")  # the demo's overdue thank-you
    cid, status = _overdue(portal_env, at)
    name = f"student_thank_you_interview_{cid}_{status['meeting_id']}"
    assert [d.label for d in at.date_input if d.key == f"{name}_sent_day"] == ["Sent on"]
    went = (status["held_at"] + timedelta(hours=3)).replace(second=0, microsecond=0)
    _give_sent_on(at, f"{name}_sent", went)
    at.text_area(key=f"{name}_body").input("Dear Ana, thank you for the hour.")
    at.button(key=f"{name}_send").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    actor = _actor(portal_env, "student07")
    [after] = [s for s in _with_db(portal_env, lambda db: thanks.thank_you_status(db, actor, cid))
               if s["meeting_id"] == status["meeting_id"]]
    assert (after["sent_at"], after["sent_late"], after["overdue"]) == (went, False, False)
    assert f"Thank-you sent {_local(went):%d %b %Y, %H:%M}." in _texts(at)
    assert "after the window" not in _texts(at)


def test_a_thank_you_sent_before_its_meeting_is_refused_and_its_text_kept(portal_env):
    at = _page(portal_env, "student_thank_you", "student07")
    cid, status = _overdue(portal_env, at)
    name = f"student_thank_you_interview_{cid}_{status['meeting_id']}"
    _give_sent_on(at, f"{name}_sent", status["held_at"] - timedelta(hours=2))
    at.text_area(key=f"{name}_body").input("Dear Ana, thank you for the hour.")
    at.button(key=f"{name}_send").click().run()
    assert not at.exception
    assert any("is before the meeting it follows" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_area(key=f"{name}_body").value == "Dear Ana, thank you for the hour."
    actor = _actor(portal_env, "student07")
    [after] = [s for s in _with_db(portal_env, lambda db: thanks.thank_you_status(db, actor, cid))
               if s["meeting_id"] == status["meeting_id"]]
    assert after["sent_at"] is None and after["overdue"]


def test_a_keep_in_touch_note_keeps_the_day_and_time_it_went_out(portal_env):
    at = _page(portal_env, "student_keep_in_touch", "student11")
    cid = at.selectbox(key="student_keep_in_touch_contact").value
    k = f"student_keep_in_touch_add_{cid}_0"
    assert [d.label for d in at.date_input if d.key == f"{k}_sent_day"] == ["Sent on"]
    went = (utcnow() - timedelta(hours=5)).replace(second=0)
    _give_sent_on(at, f"{k}_sent", went)
    at.text_area(key=f"student_keep_in_touch_body_{k}").input("I read the report you mentioned.")
    at.button(key=f"FormSubmitter:{k}_form-Save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    actor = _actor(portal_env, "student11")
    [note] = [f for f in _with_db(portal_env, lambda db: keep_in_touch.list_follow_ups(db, actor, actor.user_id))
              if f["body"] == "I read the report you mentioned."]
    assert note["sent_at"] == went


def test_outreach_marked_sent_keeps_its_day_and_time_and_refuses_a_time_to_come(portal_env):
    actor = _actor(portal_env, "student07")
    at = _page(portal_env, "student_outreach", "student07")
    cid = at.selectbox(key="student_outreach_contact").value
    draft = _with_db(portal_env, lambda db: outreach.create_draft(db, actor, cid, OutreachCreate(
        channel=Channel.EMAIL, purpose="request", subject="Twenty minutes?", body="Hello")))
    at.run()
    key = f"student_outreach_sent_{draft}"
    _give_sent_on(at, key, (utcnow() + timedelta(hours=2)).replace(second=0))
    at.button(key=f"FormSubmitter:student_outreach_sent_{draft}-Mark sent").click().run()
    assert not at.exception
    assert any("cannot be in the future" in e.value for e in at.error), [e.value for e in at.error]
    went = (utcnow() - timedelta(hours=26)).replace(second=0)
    _give_sent_on(at, key, went)
    at.button(key=f"FormSubmitter:student_outreach_sent_{draft}-Mark sent").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [sent] = [m for m in _with_db(portal_env, lambda db: outreach.list_messages(db, actor, cid)) if m["id"] == draft]
    assert sent["sent_at"] == went
